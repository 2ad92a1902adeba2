/**
 * Database outage under load: 20 simulated labellers work on a round of the real server on PostgreSQL,
 * reached through a loopback TCP proxy; the proxy is cut for 10 s. While it is down every request fails
 * fast with 503 and a readable message (no request hangs, nothing is answered 500), the labellers keep the
 * label they were sending and retry it with the same UUID, and when the database returns everything resumes
 * without restarting the server: every label lands exactly once and the round is published.
 *
 * Embedded PGlite lives inside the server process, so it cannot go away on its own: PostgreSQL only.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createExpert } from "../../envs/index";
import { ApiClient, tasksWaiting, waitFor } from "../helpers/api-client";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { startServer, type ServerProcess } from "../helpers/server-process";
import { TcpProxy } from "../helpers/tcp-proxy";

const ENV_ID = "CartPole-v1";
const LABELLERS = 20;
const OUTAGE_MS = 10_000;
const SETTINGS = { statesPerRound: 200, labelsPerState: 2, rolloutEpisodes: 4, evalEpisodes: 2, selection: "uniform", epochs: 20, batchSize: 32, hiddenUnits: [32] };

interface Outage {
  down: boolean;
  /** Latency and body of every answer received while the database was away. */
  answers: { ms: number; status: number; message: string }[];
}

/** Labels until nothing is left; on 503 it keeps its label and retries it (same UUID), like the browser's outbox. */
async function labeller(api: ApiClient, projectId: string, seed: number, acked: Map<string, string>, outage: Outage): Promise<number> {
  const expert = createExpert(ENV_ID, { seed });
  let pending: { taskId: string; body: { id: string; action: number } } | undefined;
  let retries = 0;
  const call = async (path: string, body: unknown) => {
    const started = Date.now();
    const res = await api.post(path, body);
    if (outage.down) outage.answers.push({ ms: Date.now() - started, status: res.status, message: String(res.body?.error?.message ?? "") });
    if (res.status === 503) {
      retries++;
      await new Promise((r) => setTimeout(r, 250));
      return null;
    }
    return res;
  };
  for (;;) {
    if (pending) {
      const res = await call(`/api/v1/tasks/${pending.taskId}/labels`, pending.body);
      if (!res) continue;
      if (res.status !== 201 && res.status !== 200) throw new Error(`label → ${res.status} ${JSON.stringify(res.body)}`);
      acked.set(pending.body.id, pending.taskId);
      pending = undefined;
    }
    const next = await call(`/api/v1/projects/${projectId}/tasks/next`, {});
    if (!next) continue;
    if (tasksWaiting(next)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (next.status === 204) return retries;
    if (next.status !== 200) throw new Error(`tasks/next → ${next.status} ${JSON.stringify(next.body)}`);
    const { task, state } = next.body.data as { task: { id: string }; state: { envState: number[] } };
    pending = { taskId: task.id, body: { id: randomUUID(), action: expert.act(state.envState) as number } };
  }
}

describe("a 10 s database outage under load [postgres]", () => {
  let server: ServerProcess | undefined;
  let proxy: TcpProxy | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await proxy?.stop();
    await drop?.();
  });

  it.skipIf(!POSTGRES_OK)("answers 503 fast while the database is away and resumes without a restart, losing no label", async () => {
    const scratch = await createScratchPostgres();
    drop = scratch.drop;
    const target = new URL(scratch.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(proxy.port);
    server = await startServer({ DATABASE_URL: viaProxy.toString(), NEXTAUTH_SECRET: "integration-secret-0123456789" });
    const base = server.url;

    const stamp = Date.now();
    const lead = await ApiClient.signUpAndLogin(base, "Lead", `lead-outage-${stamp}@example.test`);
    const project = await lead.ok("POST", "/api/v1/projects", { name: "outage", envId: ENV_ID, settings: SETTINGS });
    const apis = await Promise.all(
      Array.from({ length: LABELLERS }, async (_, i) => {
        const api = await ApiClient.signUpAndLogin(base, `Labeller ${i}`, `outage${i}-${stamp}@example.test`);
        await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: `outage${i}-${stamp}@example.test`, role: "labeler" });
        return api;
      }),
    );
    const round = () => lead.ok("GET", `/api/v1/projects/${project.id}/rounds/1`);
    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
    await waitFor("round 0 published", async () => (await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/0`)).status === "published");
    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
    const tasksTotal = (await waitFor("round 1 labeling", async () => {
      const r = await round();
      return r.status === "labeling" ? r : null;
    })).progress.tasksTotal as number;

    const acked = new Map<string, string>();
    const outage: Outage = { down: false, answers: [] };
    const work = Promise.all(apis.map((api, i) => labeller(api, project.id, i, acked, outage)));
    await waitFor("some labels before the outage", async () => acked.size >= 60, 60_000, 50);
    const ackedBeforeOutage = acked.size;

    await proxy.stop();
    outage.down = true;
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(503);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const ackedDuringOutage = acked.size - ackedBeforeOutage;
    outage.down = false;
    await proxy.start(proxy.port);

    const retries = await work;
    const published = await waitFor("round 1 published", async () => {
      const r = await round();
      if (r.status === "failed") throw new Error(`round 1 failed: ${r.error}`);
      return r.status === "published" ? r : null;
    }, 180_000);
    const slowest = Math.max(...outage.answers.map((a) => a.ms));
    console.log(
      `[postgres] outage ${OUTAGE_MS / 1000} s under ${LABELLERS} labellers: ${outage.answers.length} answers while down ` +
        `(slowest ${slowest} ms), ${retries.reduce((a, b) => a + b, 0)} retries; ${acked.size} labels, round published`,
    );

    // While it was down: answers came (many of them), fast, all 503 with the one clear message.
    expect(outage.answers.length).toBeGreaterThan(LABELLERS);
    expect(ackedDuringOutage).toBeLessThanOrEqual(LABELLERS); // at most the requests already past the database
    const statuses = new Set(outage.answers.map((a) => a.status));
    expect([...statuses].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    const refused = outage.answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(LABELLERS);
    expect(new Set(refused.map((a) => a.message))).toEqual(new Set(["The database is unavailable; try again shortly"]));
    expect(slowest).toBeLessThan(5_000); // failing fast: no request waits out the outage

    // Afterwards, with the same server process: every acknowledged label exactly once, every task done.
    expect(server.proc.exitCode).toBeNull();
    expect(acked.size).toBe(tasksTotal * SETTINGS.labelsPerState);
    expect(published.progress).toMatchObject({ tasksTotal, tasksDone: tasksTotal, labels: tasksTotal * SETTINGS.labelsPerState });
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; task_id: string }>(
        "select l.id, l.task_id from labels l join tasks t on t.id = l.task_id join rounds r on r.id = t.round_id where r.project_id = $1 and r.index = 1",
        [project.id],
      );
      expect(rows).toHaveLength(acked.size);
      for (const r of rows) expect(acked.get(r.id)).toBe(r.task_id);
    } finally {
      await client.end();
    }
  }, 600_000);
});
