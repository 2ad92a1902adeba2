/**
 * The living demo (server/demo/warm-up-demo.ts), on the real server process: a fresh embedded database has round 0
 * published and round 1 labelling within 60 s of start, by the real pipeline, without any lead action — the first
 * page is served while it runs — and a restart does not start more rounds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient, waitFor } from "../helpers/api-client";
import { startServer, type ServerProcess } from "../helpers/server-process";

const login = async (base: string, email: string) => {
  const res = await new ApiClient(base).call("POST", "/api/v1/auth/login", { email, password: "corrective" });
  expect(res.status).toBe(201);
  return new ApiClient(base, (res.body as { data: { token: string } }).data.token);
};

describe("the living demo", () => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop("SIGKILL");
  });

  it("has a state to label within 60 s of a fresh start, a published round 0 on the lead's dashboard, and stays put across a restart", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-living-demo-"));
    const server = await startServer({ DATA_DIR: dataDir, DEMO_WARMUP: "1" });
    running.push(server);
    const listening = Date.now();
    // The first page does not wait for the warm-up.
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);

    const labeller = await login(server.url, "labeler1@corrective.local");
    const projects = (await labeller.ok("GET", "/api/v1/projects")) as { id: string; name: string }[];
    const demo = projects.find((p) => p.name === "CartPole demo");
    expect(demo).toBeDefined();
    const projectId = demo!.id;

    const claim = await waitFor(
      "a labelling task on the demo project",
      async () => {
        const res = await labeller.call("POST", `/api/v1/projects/${projectId}/tasks/next`, {});
        return res.status === 200 ? (res.body as { data: { task: { id: string }; state: unknown } }).data : undefined;
      },
      60_000,
      500,
    );
    const readyAfterMs = Date.now() - listening;
    expect(readyAfterMs).toBeLessThan(60_000);
    expect(claim.task.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(claim.state).toBeDefined();
    console.log(`[living-demo] first task claimable ${(readyAfterMs / 1000).toFixed(1)} s after the server listened`);

    // The labeller labels it like any other task.
    const labelled = await labeller.call("POST", `/api/v1/tasks/${claim.task.id}/labels`, { id: crypto.randomUUID(), action: 1 });
    expect(labelled.status).toBe(201);

    const lead = await login(server.url, "lead@corrective.local");
    const round0 = await lead.ok("GET", `/api/v1/projects/${projectId}/rounds/0`);
    expect(round0.status).toBe("published");
    expect(round0.metrics?.meanReturn).toBeGreaterThan(0);
    const round1 = await lead.ok("GET", `/api/v1/projects/${projectId}/rounds/1`);
    expect(round1.status).toBe("labeling");
    expect(server.output()).toContain("[demo] round 1 started");

    // A restart finds the demo warm and starts nothing more.
    expect(await server.stop("SIGTERM")).toBe(0);
    const again = await startServer({ DATA_DIR: dataDir, DEMO_WARMUP: "1" });
    running.push(again);
    const relead = await login(again.url, "lead@corrective.local");
    await new Promise((r) => setTimeout(r, 1500));
    const rounds = (await relead.ok("GET", `/api/v1/projects/${projectId}/rounds`)) as { index: number }[];
    expect(rounds.map((r) => r.index).sort()).toEqual([0, 1]);
    expect(await again.stop("SIGTERM")).toBe(0);
  }, 180_000);
});
