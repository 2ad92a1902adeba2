/**
 * What `/api/v1` answers to bad requests, over HTTP against the real server (embedded PGlite): 401 without
 * or with a bad credential, 400 for malformed JSON or a malformed body, 422 naming the field for values
 * that do not fit the project (actions, observations, frames that are not images), 413 for oversized
 * bodies and frames (declared or streamed), 404 for unknown, malformed and foreign ids (never 403 to
 * outsiders), 403 for members below the needed role, and 409 with the reason for labels and rounds that
 * conflict with the round's state. Every error has the one JSON shape `{ error: { code, message } }`.
 *
 * Two external projects (obs box(2), actions discrete(3)) are taken to a labelling round 1 through the API:
 * "ours" (lead + labeller + viewer) and a "foreign" one whose lead is nobody else here.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, waitFor } from "../helpers/api-client";
import { externalProjectInLabeling } from "../helpers/external-project";
import { startServer, type ServerProcess } from "../helpers/server-process";

const SETTINGS = { statesPerRound: 4, labelsPerState: 2, selection: "all", epochs: 2, hiddenUnits: [8], batchSize: 8 };
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const MiB = 1024 * 1024;

/** Every error is `{ error: { code, message } }` with the status the code maps to, and no stack trace. */
function expectError(res: { status: number; body: any }, status: number, code: string, field?: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  if (field) expect(Object.keys(res.body.error.fieldErrors ?? {})).toContain(field);
}

describe("API errors over HTTP [pglite]", () => {
  let server: ServerProcess | undefined;
  let base: string;
  let lead: ApiClient, labeler: ApiClient, viewer: ApiClient, stranger: ApiClient;
  let ours: { id: string; taskIds: string[] };
  let foreign: { id: string; taskIds: string[] };
  let foreignFrameId: string;

  beforeAll(async () => {
    server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-errors-")) });
    base = server.url;
    const stamp = Date.now();
    [lead, labeler, viewer, stranger] = await Promise.all(
      ["lead", "labeler", "viewer", "stranger"].map((n) => ApiClient.signUpAndLogin(base, n, `${n}-${stamp}@example.test`)),
    ) as [ApiClient, ApiClient, ApiClient, ApiClient];
    [ours, foreign] = await Promise.all([externalProjectInLabeling(lead, "Ours", SETTINGS), externalProjectInLabeling(stranger, "Foreign", SETTINGS)]);
    for (const [client, role] of [[labeler, "labeler"], [viewer, "viewer"]] as const) {
      const me = await client.ok("GET", "/api/v1/me");
      await lead.ok("POST", `/api/v1/projects/${ours.id}/members`, { email: me.email, role });
    }
    foreignFrameId = (await stranger.ok("POST", `/api/v1/projects/${foreign.id}/frames`, PNG)).id;
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("401 without credentials or with a bad token or password", async () => {
    const anon = new ApiClient(base);
    expectError(await anon.get("/api/v1/projects"), 401, "UNAUTHENTICATED");
    expectError(await anon.post(`/api/v1/projects/${ours.id}/tasks/next`), 401, "UNAUTHENTICATED");
    expectError(await anon.post(`/api/v1/tasks/${ours.taskIds[0]}/labels`, { id: randomUUID(), action: 0 }), 401, "UNAUTHENTICATED");
    expectError(await new ApiClient(base, "crt_not-a-real-token").get("/api/v1/projects"), 401, "UNAUTHENTICATED");
    expectError(await anon.call("GET", "/api/v1/projects", undefined, { authorization: "Basic Zm9vOmJhcg==" }), 401, "UNAUTHENTICATED");
    expectError(await anon.post("/api/v1/auth/login", { email: "nobody@example.test", password: "wrong password" }), 401, "UNAUTHENTICATED");
  });

  it("400 for a body that is not JSON, or JSON of the wrong shape", async () => {
    const notJson = await lead.call("POST", "/api/v1/projects", "{ name: nope", { "content-type": "application/json" });
    expectError(notJson, 400, "VALIDATION");
    expect(notJson.body.error.message).toMatch(/must be JSON/);
    expectError(await lead.call("POST", `/api/v1/tasks/${ours.taskIds[0]}/labels`, "[1, 2", { "content-type": "application/json" }), 400, "VALIDATION");
    expectError(await lead.post(`/api/v1/tasks/${ours.taskIds[0]}/labels`, { action: 1 }), 400, "VALIDATION", "id");
    expectError(await lead.post(`/api/v1/tasks/${ours.taskIds[0]}/labels`, { id: randomUUID() }), 400, "VALIDATION", "action");
    expectError(await lead.post(`/api/v1/tasks/${ours.taskIds[0]}/labels`, { id: randomUUID(), action: 1, extra: true }), 400, "VALIDATION");
    expectError(await lead.post(`/api/v1/projects/${ours.id}/tasks/next`, { exclude: ["not-a-uuid"] }), 400, "VALIDATION", "exclude.0");
    expectError(await lead.post("/api/v1/projects", { name: "" , envId: "CartPole-v1" }), 400, "VALIDATION", "name");
  });

  it("422 naming the field for actions, observations and frames that do not fit the project", async () => {
    const t = ours.taskIds[0]!;
    for (const action of [3, -1, 1.5, [1], "1"]) {
      const res = await labeler.post(`/api/v1/tasks/${t}/labels`, { id: randomUUID(), action });
      if (action === "1") {
        expectError(res, 400, "VALIDATION", "action"); // not a number at all: malformed, not unfit
        continue;
      }
      expectError(res, 422, "UNPROCESSABLE", "action");
    }
    const outOfRange = await labeler.post(`/api/v1/tasks/${t}/labels`, { id: randomUUID(), action: 3 });
    expect(outOfRange.body.error.fieldErrors.action).toEqual(["3 is out of range [0, 3)"]);

    const badObs = await lead.post(`/api/v1/projects/${ours.id}/demonstrations`, { source: "takeover", episodes: [{ steps: [{ observation: [0, 0], action: 0 }, { observation: [0, 0, 0], action: 0 }] }] });
    expectError(badObs, 422, "UNPROCESSABLE", "episodes.0.steps.1.observation");
    const badDemoAction = await lead.post(`/api/v1/projects/${ours.id}/demonstrations`, { source: "takeover", episodes: [{ steps: [{ observation: [0, 0], action: 7 }] }] });
    expectError(badDemoAction, 422, "UNPROCESSABLE", "episodes.0.steps.0.action");
    expectError(await lead.post("/api/v1/projects", { name: "No such env", envId: "NoSuchEnv-v9" }), 422, "UNPROCESSABLE", "envId");

    const text = new TextEncoder().encode("GIF89a — not a PNG or a JPEG, whatever the content type says");
    const notImage = await labeler.call("POST", `/api/v1/projects/${ours.id}/frames`, text, { "content-type": "image/png" });
    expectError(notImage, 422, "UNPROCESSABLE", "body");
    expect((await labeler.call("POST", `/api/v1/projects/${ours.id}/frames`, PNG, { "content-type": "image/png" })).status).toBe(201);

    // Nothing was stored by the refused labels.
    const round = await lead.ok("GET", `/api/v1/projects/${ours.id}/rounds/1`);
    expect(round.progress.labels).toBe(0);
  });

  it("413 for a 3 MiB frame and an oversized JSON body, declared or streamed", async () => {
    const big = new Uint8Array(3 * MiB);
    big.set(PNG);
    const declared = await labeler.call("POST", `/api/v1/projects/${ours.id}/frames`, big, { "content-type": "image/png" });
    expectError(declared, 413, "PAYLOAD_TOO_LARGE");

    // Without a content-length the limit holds while streaming.
    const chunks = Array.from({ length: 12 }, (_, i) => (i === 0 ? big.subarray(0, 256 * 1024) : new Uint8Array(256 * 1024)));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const c = chunks.shift();
        if (c) controller.enqueue(c);
        else controller.close();
      },
    });
    const streamed = await fetch(`${base}/api/v1/projects/${ours.id}/frames`, {
      method: "POST",
      headers: { authorization: `Bearer ${labeler.token}`, "content-type": "image/png" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");

    const hugeLabel = JSON.stringify({ id: randomUUID(), action: 1, pad: "x".repeat(9 * MiB) });
    expectError(await labeler.call("POST", `/api/v1/tasks/${ours.taskIds[0]}/labels`, hugeLabel, { "content-type": "application/json" }), 413, "PAYLOAD_TOO_LARGE");
  });

  it("404 for unknown, malformed and foreign ids, and for labellers without a role in the project", async () => {
    const unknown = randomUUID();
    const notFound: [string, ApiClient, "GET" | "POST", string, unknown?][] = [
      ["unknown project", lead, "GET", `/api/v1/projects/${unknown}`],
      ["malformed project", lead, "GET", "/api/v1/projects/not-a-uuid"],
      ["injection-looking project", lead, "POST", `/api/v1/projects/${encodeURIComponent("' or 1=1 --")}/tasks/next`],
      ["foreign project", lead, "GET", `/api/v1/projects/${foreign.id}`],
      ["foreign rounds", labeler, "GET", `/api/v1/projects/${foreign.id}/rounds`],
      ["foreign round", labeler, "GET", `/api/v1/projects/${foreign.id}/rounds/1`],
      ["foreign tasks", labeler, "POST", `/api/v1/projects/${foreign.id}/tasks/next`, {}],
      ["foreign frame upload", labeler, "POST", `/api/v1/projects/${foreign.id}/frames`, PNG],
      ["foreign frame", labeler, "GET", `/api/v1/projects/${foreign.id}/frames/${foreignFrameId}`],
      ["foreign frame through our project", labeler, "GET", `/api/v1/projects/${ours.id}/frames/${foreignFrameId}`],
      ["foreign rollout", lead, "POST", `/api/v1/projects/${foreign.id}/rollouts`, { steps: [{ observation: [0, 0] }] }],
      ["foreign dataset", lead, "GET", `/api/v1/projects/${foreign.id}/datasets/0/export`],
      ["foreign policy", lead, "GET", `/api/v1/projects/${foreign.id}/policies/latest`],
      ["foreign round start", lead, "POST", `/api/v1/projects/${foreign.id}/rounds`, {}],
      ["foreign task label", labeler, "POST", `/api/v1/tasks/${foreign.taskIds[0]}/labels`, { id: randomUUID(), action: 0 }],
      ["foreign task release", labeler, "POST", `/api/v1/tasks/${foreign.taskIds[0]}/release`, {}],
      ["foreign task heartbeat", labeler, "POST", `/api/v1/tasks/${foreign.taskIds[0]}/heartbeat`, {}],
      ["unknown task", labeler, "POST", `/api/v1/tasks/${unknown}/labels`, { id: randomUUID(), action: 0 }],
      ["malformed task", labeler, "POST", "/api/v1/tasks/42/labels", { id: randomUUID(), action: 0 }],
      ["unknown round", lead, "GET", `/api/v1/projects/${ours.id}/rounds/99`],
      ["malformed round", lead, "GET", `/api/v1/projects/${ours.id}/rounds/first`],
      ["unknown dataset version", lead, "GET", `/api/v1/projects/${ours.id}/datasets/42/export`],
      ["unknown frame", lead, "GET", `/api/v1/projects/${ours.id}/frames/${unknown}`],
    ];
    for (const [what, client, method, url, body] of notFound) {
      const res = await client.call(method, url, body).catch((e: unknown) => {
        throw new Error(`${what}: ${String(e)}`);
      });
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status: 404, code: "NOT_FOUND" });
    }
    // A foreign project answers exactly like one that does not exist.
    const a = await lead.get(`/api/v1/projects/${foreign.id}`);
    const b = await lead.get(`/api/v1/projects/${unknown}`);
    expect(a.body).toEqual(b.body);
    // So does a foreign task like a missing one, on the fast path and through Next.js alike.
    for (const suffix of ["labels", "heartbeat", "release"]) {
      const body = suffix === "labels" ? { id: randomUUID(), action: 0 } : {};
      const f = await labeler.post(`/api/v1/tasks/${foreign.taskIds[0]}/${suffix}`, body);
      const u = await labeler.post(`/api/v1/tasks/${unknown}/${suffix}`, body);
      expect([u.status, u.body], suffix).toEqual([f.status, f.body]);
      expect(f.body).toEqual({ error: { code: "NOT_FOUND", message: "Task not found" } });
    }
    // The foreign project's task was not touched.
    const foreignRound = await stranger.ok("GET", `/api/v1/projects/${foreign.id}/rounds/1`);
    expect(foreignRound.progress.labels).toBe(0);
  });

  it("invitations and limits: 401 anonymous, 403 for non-leads, 404 unknown, 400 malformed, 422 naming the budget's fields", async () => {
    expectError(await new ApiClient(base).get("/api/v1/invites"), 401, "UNAUTHENTICATED");
    expectError(await labeler.post("/api/v1/invites", {}), 403, "FORBIDDEN");
    expectError(await viewer.get("/api/v1/invites"), 403, "FORBIDDEN");
    expectError(await lead.post("/api/v1/invites", { expiresInDays: 365 }), 400, "VALIDATION", "expiresInDays");
    expectError(await lead.call("DELETE", `/api/v1/invites/${randomUUID()}`), 404, "NOT_FOUND");
    expectError(await lead.call("DELETE", "/api/v1/invites/not-a-uuid"), 404, "NOT_FOUND");
    // Another lead's invitation is not found for this one.
    const theirs = await stranger.ok("POST", "/api/v1/invites", { note: "theirs" });
    expectError(await lead.call("DELETE", `/api/v1/invites/${theirs.id}`), 404, "NOT_FOUND");
    const greedy = await lead.post("/api/v1/projects", { name: "Greedy", envId: "CartPole-v1", settings: { epochs: 1000, hiddenUnits: [4096, 4096, 4096, 4096], ensembleSize: 16, rolloutEpisodes: 1000 } });
    expectError(greedy, 422, "UNPROCESSABLE", "settings.hiddenUnits");
  });

  it("403 for members whose role is too low", async () => {
    expectError(await viewer.post(`/api/v1/projects/${ours.id}/tasks/next`), 403, "FORBIDDEN");
    expectError(await viewer.post(`/api/v1/tasks/${ours.taskIds[0]}/labels`, { id: randomUUID(), action: 0 }), 403, "FORBIDDEN");
    expectError(await labeler.post(`/api/v1/projects/${ours.id}/rounds/1/close`), 403, "FORBIDDEN");
    expectError(await labeler.post(`/api/v1/projects/${ours.id}/demonstrations`, { episodes: [{ steps: [{ observation: [0, 0], action: 0 }] }] }), 403, "FORBIDDEN");
    expect((await viewer.get(`/api/v1/projects/${ours.id}/rounds/1`)).status).toBe(200);
  });

  it("204 with Retry-After while the tasks left are held by someone else; a plain 204 when none is left for the caller", async () => {
    const next = (exclude: string[]) => lead.post(`/api/v1/projects/${ours.id}/tasks/next`, { exclude });
    const held: string[] = [];
    for (let i = 0; i < ours.taskIds.length; i++) {
      const res = await next(held);
      expect(res.status).toBe(200);
      held.push(res.body.data.task.id);
    }
    const mine = await next(held);
    expect({ status: mine.status, retryAfter: mine.headers.get("retry-after") }).toEqual({ status: 204, retryAfter: null });
    const waiting = await labeler.post(`/api/v1/projects/${ours.id}/tasks/next`, {});
    expect({ status: waiting.status, retryAfter: waiting.headers.get("retry-after"), waiting: waiting.headers.get("x-tasks-waiting") }).toEqual({ status: 204, retryAfter: "1", waiting: String(held.length) });
    for (const id of held) expect((await lead.post(`/api/v1/tasks/${id}/release`)).status).toBeLessThan(300);
    const free = await labeler.post(`/api/v1/projects/${ours.id}/tasks/next`, {});
    expect(free.status).toBe(200);
    expect((await labeler.post(`/api/v1/tasks/${free.body.data.task.id}/release`)).status).toBeLessThan(300);
  });

  it("409 with the reason for labels and rounds that conflict with the round's state", async () => {
    const [t0, t1] = ours.taskIds as [string, string];
    const claimed = await labeler.ok("POST", `/api/v1/projects/${ours.id}/tasks/next`, {});
    const label = { id: randomUUID(), action: 2 };
    const first = await labeler.post(`/api/v1/tasks/${claimed.task.id}/labels`, label);
    expect(first.status).toBe(201);
    const again = await labeler.post(`/api/v1/tasks/${claimed.task.id}/labels`, label);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ id: label.id, duplicate: true });

    const twice = await labeler.post(`/api/v1/tasks/${claimed.task.id}/labels`, { id: randomUUID(), action: 1 });
    expectError(twice, 409, "CONFLICT");
    expect(twice.body.error.message).toMatch(/already labelled this state/);
    const other = claimed.task.id === t0 ? t1 : t0;
    const reused = await labeler.post(`/api/v1/tasks/${other}/labels`, label);
    expectError(reused, 409, "CONFLICT");
    expect(reused.body.error.message).toMatch(/label id is already used/);
    const stolen = await lead.post(`/api/v1/tasks/${claimed.task.id}/labels`, label);
    expectError(stolen, 409, "CONFLICT");

    // The heartbeat for a task the labeller no longer holds (labelled, so the lease ended).
    expectError(await labeler.post(`/api/v1/tasks/${claimed.task.id}/heartbeat`), 409, "CONFLICT");
    // A second round cannot start while this one is open.
    const start = await lead.post(`/api/v1/projects/${ours.id}/rounds`, {});
    expectError(start, 409, "CONFLICT");
    expect(start.body.error.message).toMatch(/Round 1 is still labeling/);
    expectError(await lead.post(`/api/v1/projects/${ours.id}/rounds/1/retry`), 409, "CONFLICT");

    // The lead closes labelling: a late label is refused, saying why; the resubmission still gets its stored label.
    await lead.ok("POST", `/api/v1/projects/${ours.id}/rounds/1/close`);
    const late = await labeler.post(`/api/v1/tasks/${other}/labels`, { id: randomUUID(), action: 0 });
    expectError(late, 409, "CONFLICT");
    expect(late.body.error.message).toMatch(/no longer takes labels/);
    expect((await labeler.post(`/api/v1/tasks/${claimed.task.id}/labels`, label)).status).toBe(200);
    expectError(await lead.post(`/api/v1/projects/${ours.id}/rounds/1/close`), 409, "CONFLICT");
    expect((await labeler.post(`/api/v1/projects/${ours.id}/tasks/next`)).status).toBe(204);

    const round = await waitFor("round 1 published", async () => {
      const r = await lead.ok("GET", `/api/v1/projects/${ours.id}/rounds/1`);
      if (r.status === "failed") throw new Error(`round 1 failed: ${r.error}`);
      return r.status === "published" ? r : null;
    });
    expect(round.progress.labels).toBe(1);
  });
});
