/**
 * `npm run bench:api` — simulated labellers doing claim → label → next through the full stack (HTTP, token
 * auth, validation, lease check, transaction) at 10, 50 and 100 concurrency, against real PostgreSQL and
 * against embedded PGlite. Reference, measured in the same run from this process: raw `pg` inserts of the
 * same label rows at the same concurrency. Goals: ≥ 40% of the raw insert rate through the stack, and
 * p99 ≤ 25 ms at 100 labellers on PostgreSQL.
 *
 * Loopback only; every loop is bounded by a label count and a time limit.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase } from "../db/client";
import { ApiClient, waitFor } from "../tests/helpers/api-client";
import { createScratchPostgres, postgresReachable } from "../tests/helpers/engines";
import { startServer, type ServerProcess } from "../tests/helpers/server-process";
import { saveResults } from "./lib/results";
import { cpuMs, rssMiB, summarize } from "./lib/stats";

const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "10,50,100").split(",").map(Number);
const LABELS_PER_LEVEL = Number(process.env.BENCH_LABELS ?? 3000);
const TIME_LIMIT_MS = 60_000;
const OBS_DIM = 4;

interface Level {
  engine: string;
  concurrency: number;
  labels: number;
  labelsPerSecond: number;
  rawInsertsPerSecond: number;
  ratio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  claimP99Ms: number;
  serverCpuMsPerLabel: number | null;
  serverRssMiB: number | null;
}

/** An external project in labeling with `tasks` tasks, k = 1, and `users` labellers with tokens. */
async function setUp(base: string, tasks: number, users: number) {
  const stamp = Date.now();
  const lead = await ApiClient.signUpAndLogin(base, "Bench lead", `bench-lead-${stamp}@example.test`);
  const project = await lead.ok("POST", "/api/v1/projects", {
    name: "bench api",
    external: { observationSpace: { type: "box", shape: [OBS_DIM], low: Array(OBS_DIM).fill(-10), high: Array(OBS_DIM).fill(10) }, actionSpace: { type: "discrete", n: 2 } },
    settings: { statesPerRound: tasks, selection: "all", labelsPerState: 1, epochs: 2, autoAdvance: false },
  });
  const obs = () => Array.from({ length: OBS_DIM }, () => Math.random() * 2 - 1);
  await lead.ok("POST", `/api/v1/projects/${project.id}/demonstrations`, { episodes: [{ steps: Array.from({ length: 50 }, (_, t) => ({ observation: obs(), action: t % 2 })) }] });
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds/0/close`);
  await waitFor("round 0 published", async () => (await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/0`)).status === "published", 180_000);
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`);
  for (let sent = 0; sent < tasks; sent += 1000) {
    await lead.ok("POST", `/api/v1/projects/${project.id}/rollouts`, { steps: Array.from({ length: Math.min(1000, tasks - sent) }, () => ({ observation: obs(), policyAction: 0 })) });
  }
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds/1/close`);
  const labelers: ApiClient[] = [];
  for (let i = 0; i < users; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, users - i) }, (_, j) => ApiClient.signUpAndLogin(base, `Labeler ${i + j}`, `bench-l${i + j}-${stamp}@example.test`)),
    );
    for (const l of batch) {
      const me = await l.ok("GET", "/api/v1/me");
      await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: me.email, role: "labeler" });
    }
    labelers.push(...batch);
  }
  return { projectId: project.id as string, labelers };
}

/** `concurrency` labellers loop claim → label until `total` labels are in or the time limit passes. */
async function drive(projectId: string, labelers: ApiClient[], concurrency: number, total: number) {
  const cycle: number[] = [];
  const claims: number[] = [];
  let done = 0;
  const deadline = Date.now() + TIME_LIMIT_MS;
  const started = performance.now();
  await Promise.all(
    labelers.slice(0, concurrency).map(async (api) => {
      while (done < total && Date.now() < deadline) {
        const t0 = performance.now();
        const next = await api.post(`/api/v1/projects/${projectId}/tasks/next`);
        const t1 = performance.now();
        if (next.status === 204) return;
        if (next.status !== 200) throw new Error(`claim → ${next.status} ${JSON.stringify(next.body)}`);
        const res = await api.post(`/api/v1/tasks/${next.body.data.task.id}/labels`, { id: randomUUID(), action: 1, durationMs: 500 });
        if (res.status !== 201) throw new Error(`label → ${res.status} ${JSON.stringify(res.body)}`);
        const t2 = performance.now();
        claims.push(t1 - t0);
        cycle.push(t2 - t1);
        done++;
      }
    }),
  );
  return { labels: done, seconds: (performance.now() - started) / 1000, label: summarize(cycle), claim: summarize(claims) };
}

/** Reference: the same label rows inserted with raw `pg` at the same concurrency, one transaction each. */
async function rawInserts(url: string, concurrency: number, total: number, poolSize: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  await pool.query(`create table if not exists bench_labels (id uuid primary key, task_id uuid not null, state_id uuid not null, user_id uuid not null, action jsonb, cant_tell boolean not null default false, duration_ms integer, created_at timestamptz not null default now())`);
  await pool.query("truncate bench_labels");
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < total) {
        done++;
        const c = await pool.connect();
        try {
          await c.query("begin");
          await c.query("insert into bench_labels (id, task_id, state_id, user_id, action, duration_ms) values ($1, $2, $3, $4, $5, $6)", [randomUUID(), randomUUID(), randomUUID(), randomUUID(), JSON.stringify(1), 500]);
          await c.query("commit");
        } finally {
          c.release();
        }
      }
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  await pool.query("drop table bench_labels");
  await pool.end();
  return rate;
}

async function benchEngine(engine: "postgres" | "pglite"): Promise<Level[]> {
  const maxC = Math.max(...CONCURRENCY);
  const tasks = LABELS_PER_LEVEL * CONCURRENCY.length + maxC * 2;
  let server: ServerProcess;
  let rawUrl: string;
  let cleanup: () => Promise<void>;
  if (engine === "postgres") {
    const scratch = await createScratchPostgres();
    server = await startServer({ DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "bench-secret-0123456789abcdef", DB_POOL_SIZE: "10", ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}) });
    rawUrl = scratch.url;
    cleanup = scratch.drop;
  } else {
    server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-")) });
    const ref = await openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-ref-")) });
    rawUrl = ref.url;
    cleanup = () => ref.close();
  }
  try {
    console.log(`[bench:api] ${engine}: setting up ${tasks} tasks and ${maxC} labellers…`);
    const { projectId, labelers } = await setUp(server.url, tasks, maxC);
    const levels: Level[] = [];
    for (const c of CONCURRENCY) {
      console.log(`[bench:api] ${engine} c=${c}: driving (server pid ${server.proc.pid})`);
      const cpu0 = cpuMs(server.proc.pid);
      const run = await drive(projectId, labelers, c, LABELS_PER_LEVEL);
      const cpu1 = cpuMs(server.proc.pid);
      const raw = await rawInserts(rawUrl, c, Math.min(LABELS_PER_LEVEL, 5000), engine === "pglite" ? 1 : 10);
      const rate = run.labels / run.seconds;
      const level: Level = {
        engine,
        concurrency: c,
        labels: run.labels,
        labelsPerSecond: Math.round(rate),
        rawInsertsPerSecond: Math.round(raw),
        ratio: Math.round((rate / raw) * 1000) / 1000,
        p50Ms: Math.round(run.label.p50 * 10) / 10,
        p95Ms: Math.round(run.label.p95 * 10) / 10,
        p99Ms: Math.round(run.label.p99 * 10) / 10,
        claimP99Ms: Math.round(run.claim.p99 * 10) / 10,
        serverCpuMsPerLabel: cpu0 !== null && cpu1 !== null ? Math.round(((cpu1 - cpu0) / Math.max(1, run.labels)) * 100) / 100 : null,
        serverRssMiB: await rssMiB(server.proc.pid),
      };
      console.log(`[bench:api] ${engine} c=${c}: ${level.labelsPerSecond} labels/s (raw ${level.rawInsertsPerSecond}/s, ratio ${level.ratio}), label p50/p95/p99 ${level.p50Ms}/${level.p95Ms}/${level.p99Ms} ms, server CPU ${level.serverCpuMsPerLabel} ms/label`);
      levels.push(level);
    }
    return levels;
  } finally {
    await server.stop();
    await cleanup();
  }
}

const ENGINES = (process.env.BENCH_ENGINES ?? "postgres,pglite").split(",");
const rows: Level[] = [];
if (ENGINES.includes("postgres")) {
  if (await postgresReachable()) rows.push(...(await benchEngine("postgres")));
  else console.warn("[bench:api] PostgreSQL unreachable: skipping it");
}
if (ENGINES.includes("pglite")) rows.push(...(await benchEngine("pglite")));
const pg100 = rows.find((r) => r.engine === "postgres" && r.concurrency === 100);
const md = saveResults("api", {
  title: "Labelling API throughput: claim → label through the full stack vs raw pg inserts",
  rows: rows as unknown as Record<string, number | string | null>[],
  notes: [
    "labelsPerSecond: completed claim+label cycles per second through HTTP, bearer-token auth, zod validation, lease check and the label transaction; server and load generator share this 2-core machine.",
    "p50/p95/p99: latency of the label submission (POST /api/v1/tasks/{id}/labels); claimP99Ms: of POST …/tasks/next.",
    "rawInsertsPerSecond: the same label rows inserted with raw pg (one transaction each, same concurrency, pool 10; PGlite pool 1) from the benchmark process, in the same run.",
    "Goal: ratio ≥ 0.40 and p99 ≤ 25 ms at 100 labellers on PostgreSQL." +
      (pg100 ? ` Measured at 100: ratio ${pg100.ratio}, p99 ${pg100.p99Ms} ms → ${pg100.ratio >= 0.4 ? "ratio met" : "ratio MISSED"}, ${pg100.p99Ms <= 25 ? "p99 met" : "p99 MISSED"}.` : ""),
  ],
});
console.log(md);
