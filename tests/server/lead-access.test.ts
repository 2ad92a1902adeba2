/**
 * Every lead route refuses labellers (403) and viewers (403), and looks like a missing project to
 * non-members (404) — over HTTP against the real server. The routes are enumerated from the OpenAPI
 * operations marked `role: "lead"` (contracts/openapi.ts, which its own test keeps complete), so a lead route
 * added later is covered without touching this file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS } from "../../contracts/openapi";
import { ApiClient } from "../helpers/api-client";
import { startServer, type ServerProcess } from "../helpers/server-process";

/** Deleting the project goes last: every other lead route still finds it. */
const LEAD_OPS = OPERATIONS.filter((op) => op.role === "lead").sort((a, b) => Number(a.operationId === "deleteProject") - Number(b.operationId === "deleteProject"));

function concrete(template: string, projectId: string): string {
  const values: Record<string, string> = { projectId, index: "0", version: "0", policyVersion: "1", itemId: randomUUID(), stateId: randomUUID() };
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no test value for path parameter {${name}} in ${template}`);
    return v;
  });
  if (filled.endsWith("/datasets/diff")) return `${filled}?from=0&to=1`;
  if (filled.endsWith("/datasets/import")) return `${filled}?format=jsonl`;
  return filled;
}

describe("lead routes: labellers 403, non-members 404", () => {
  let server: ServerProcess;
  let lead: ApiClient, labeler: ApiClient, viewer: ApiClient, outsider: ApiClient;
  let projectId: string;

  beforeAll(async () => {
    server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-lead-access-")) });
    const stamp = Date.now();
    [lead, labeler, viewer, outsider] = (await Promise.all(
      ["lead", "labeler", "viewer", "outsider"].map((n) => ApiClient.signUpAndLogin(server.url, n, `${n}-${stamp}@example.test`)),
    )) as [ApiClient, ApiClient, ApiClient, ApiClient];
    projectId = (await lead.ok("POST", "/api/v1/projects", { name: "Access", envId: "CartPole-v1" })).id;
    for (const [client, role] of [[labeler, "labeler"], [viewer, "viewer"]] as const) {
      const me = await client.ok("GET", "/api/v1/me");
      await lead.ok("POST", `/api/v1/projects/${projectId}/members`, { email: me.email, role });
    }
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("enumerates the lead routes, the pre-existing ones included", () => {
    const names = LEAD_OPS.map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /api/v1/projects/{projectId}/rounds",
        "POST /api/v1/projects/{projectId}/rounds/{index}/close",
        "POST /api/v1/projects/{projectId}/rounds/{index}/retry",
        "PATCH /api/v1/projects/{projectId}",
        "POST /api/v1/projects/{projectId}/members",
        "GET /api/v1/projects/{projectId}/dashboard",
        "GET /api/v1/projects/{projectId}/review",
        "POST /api/v1/projects/{projectId}/review/{itemId}",
        "GET /api/v1/projects/{projectId}/quality",
        "PATCH /api/v1/projects/{projectId}/quality/settings",
        "POST /api/v1/projects/{projectId}/gold",
        "POST /api/v1/projects/{projectId}/gold/apply",
        "DELETE /api/v1/projects/{projectId}/gold/{stateId}",
        "GET /api/v1/projects/{projectId}/datasets",
        "GET /api/v1/projects/{projectId}/datasets/{version}",
        "GET /api/v1/projects/{projectId}/datasets/diff",
        "POST /api/v1/projects/{projectId}/datasets/import",
        "POST /api/v1/projects/{projectId}/policies/{policyVersion}/publish",
        "GET /api/v1/projects/{projectId}/audit",
      ]),
    );
  });

  it("answers 403 to a labeller and a viewer, 404 to a non-member, on every lead route — and lets the lead through", async () => {
    const failures: string[] = [];
    for (const op of LEAD_OPS) {
      const url = concrete(op.path, projectId);
      const method = op.method.toUpperCase();
      const body = method === "GET" || method === "DELETE" ? undefined : "{}";
      const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
      for (const [who, client, status] of [["labeler", labeler, 403], ["viewer", viewer, 403], ["non-member", outsider, 404]] as const) {
        const res = await client.call(method, url, body, headers);
        if (res.status !== status) failures.push(`${who} ${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
        else if (status === 404 && res.body?.error?.message !== "Project not found") failures.push(`${who} ${method} ${url}: 404 but "${res.body?.error?.message}"`);
      }
      // The lead passes authorisation: whatever the answer, it is not a refusal or a missing project.
      const mine = await lead.call(method, url, body, headers);
      if (mine.status === 403 || (mine.status === 404 && mine.body?.error?.message === "Project not found") || mine.status >= 500) {
        failures.push(`lead ${method} ${url} → ${mine.status} ${JSON.stringify(mine.body)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("an unknown project id answers 404 like a project you are not in", async () => {
    for (const op of LEAD_OPS.filter((o) => o.method === "get")) {
      const res = await lead.call("GET", concrete(op.path, randomUUID()));
      expect(res.status, op.path).toBe(404);
    }
  });
});
