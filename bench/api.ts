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
/**
 * The paced run: 100 labellers at a person's pace. bench:ui measured a keyboard labeller at 72 labels/min
 * (≈ 830 ms a label, answer included), so each simulated labeller thinks 0.8 s on average between labels.
 */
const PACED = { concurrency: 100, thinkMs: 800, seconds: 30 };
const PACED_MAX_LABELS = Math.ceil((PACED.concurrency * PACED.seconds * 1000) / PACED.thinkMs);
const OBS_DIM = 4;

interface Level {
  engine: string;
  /** flat-out: every labeller claims again the moment its label is stored; paced: a think time between labels. */
  mode: string;
  concurrency: number;
  labels: number;
  labelsPerSecond: number;
  rawInsertsPerSecond: number | null;
  ratio: number | null;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  claimP99Ms: number;
  serverCpuMsPerLabel: number | null;
  postgresCpuMsPerLabel: number | null;
  postgresCpuMsPerRawInsert: number | null;
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
async function drive(projectId: string, labelers: ApiClient[], concurrency: number, total: number, thinkMs = 0, timeLimitMs = TIME_LIMIT_MS) {
  const cycle: number[] = [];
  const claims: number[] = [];
  let done = 0;
  const deadline = Date.now() + timeLimitMs;
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
        // A person looks at the next state before answering: think time with jitter, so labellers do not march in step.
        if (thinkMs > 0) await new Promise((r) => setTimeout(r, thinkMs * (0.5 + Math.random())));
      }
    }),
  );
  return { labels: done, seconds: (performance.now() - started) / 1000, label: summarize(cycle), claim: summarize(claims) };
}

/** Reference: the same label rows inserted with raw `pg` at the same concurrency, one transaction each. */
async function rawInserts(url: string, concurrency: number, total: number, poolSize: number): Promise<{ rate: number; backendCpuMs: number | null }> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Open every connection first, so the backends whose CPU is read are the ones that do the inserts.
  const held = await Promise.all(Array.from({ length: poolSize }, () => pool.connect()));
  const pids = await Promise.all(held.map(async (c) => Number((await c.query("select pg_backend_pid() as pid")).rows[0].pid)));
  for (const c of held) c.release();
  await pool.query(`create table if not exists bench_labels (id uuid primary key, task_id uuid not null, state_id uuid not null, user_id uuid not null, action jsonb, cant_tell boolean not null default false, duration_ms integer, created_at timestamptz not null default now())`);
  await pool.query("truncate bench_labels");
  let done = 0;
  const cpu0 = sumCpu(pids);
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
  const cpu1 = sumCpu(pids);
  await pool.query("drop table bench_labels");
  await pool.end();
  return { rate, backendCpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null };
}

/** Total CPU ms of these processes, or null when /proc cannot tell (PGlite runs in the server's process). */
function sumCpu(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

/** The PostgreSQL backends serving a database right now (the server's pool, its job runner, its listener). */
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
    return res.rows.map((r) => Number(r.pid));
  } finally {
    await client.end();
  }
}

async function benchEngine(engine: "postgres" | "pglite"): Promise<Level[]> {
  const maxC = Math.max(...CONCURRENCY, PACED.concurrency);
  const tasks = LABELS_PER_LEVEL * CONCURRENCY.length + PACED_MAX_LABELS + maxC * 2;
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
    const runs = [
      ...CONCURRENCY.map((c) => ({ mode: "flat-out", c, thinkMs: 0, total: LABELS_PER_LEVEL, limitMs: TIME_LIMIT_MS })),
      { mode: `paced ${PACED.thinkMs / 1000} s`, c: PACED.concurrency, thinkMs: PACED.thinkMs, total: PACED_MAX_LABELS, limitMs: PACED.seconds * 1000 },
    ];
    for (const { mode, c, thinkMs, total, limitMs } of runs) {
      const paced = thinkMs > 0;
      console.log(`[bench:api] ${engine} ${mode} c=${c}: driving (server pid ${server.proc.pid})`);
      const cpu0 = cpuMs(server.proc.pid);
      // The backends serving the server (pool, job runner, realtime listener): their CPU before and after the run;
      // a backend opened during the run counts whole.
      const pids = engine === "postgres" ? await backendPids(rawUrl) : [];
      const pg0 = sumCpu(pids);
      const run = await drive(projectId, labelers, c, total, thinkMs, limitMs);
      const cpu1 = cpuMs(server.proc.pid);
      const after = engine === "postgres" ? await backendPids(rawUrl) : [];
      const pg1 = sumCpu([...new Set([...pids, ...after])]);
      // The raw reference is a throughput: it is measured beside the flat-out runs only.
      const rawCount = Math.min(LABELS_PER_LEVEL, 5000);
      const { rate: raw, backendCpuMs: pgRaw } = paced ? { rate: null, backendCpuMs: null } : await rawInserts(rawUrl, c, rawCount, engine === "pglite" ? 1 : 10);
      const rate = run.labels / run.seconds;
      const level: Level = {
        engine,
        mode,
        concurrency: c,
        labels: run.labels,
        labelsPerSecond: Math.round(rate),
        rawInsertsPerSecond: raw === null ? null : Math.round(raw),
        ratio: raw === null ? null : Math.round((rate / raw) * 1000) / 1000,
        p50Ms: Math.round(run.label.p50 * 10) / 10,
        p95Ms: Math.round(run.label.p95 * 10) / 10,
        p99Ms: Math.round(run.label.p99 * 10) / 10,
        claimP99Ms: Math.round(run.claim.p99 * 10) / 10,
        postgresCpuMsPerLabel: engine === "postgres" && pg0 !== null && pg1 !== null ? Math.round(((pg1 - pg0) / Math.max(1, run.labels)) * 100) / 100 : null,
        postgresCpuMsPerRawInsert: engine === "postgres" && pgRaw !== null ? Math.round((pgRaw / rawCount) * 100) / 100 : null,
        serverCpuMsPerLabel: cpu0 !== null && cpu1 !== null ? Math.round(((cpu1 - cpu0) / Math.max(1, run.labels)) * 100) / 100 : null,
        serverRssMiB: await rssMiB(server.proc.pid),
      };
      console.log(`[bench:api] ${engine} ${mode} c=${c}: ${level.labelsPerSecond} labels/s (raw ${level.rawInsertsPerSecond}/s, ratio ${level.ratio}), label p50/p95/p99 ${level.p50Ms}/${level.p95Ms}/${level.p99Ms} ms, server CPU ${level.serverCpuMsPerLabel} ms/label, postgres CPU ${level.postgresCpuMsPerLabel} ms/label vs ${level.postgresCpuMsPerRawInsert} ms/raw insert`);
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
const pg100 = rows.find((r) => r.engine === "postgres" && r.mode === "flat-out" && r.concurrency === 100);
const pgPaced = rows.find((r) => r.engine === "postgres" && r.mode !== "flat-out");
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
const md = saveResults("api", {
  title: "Labelling API throughput: claim → label through the full stack vs raw pg inserts",
  rows: rows as unknown as Record<string, number | string | null>[],
  notes: [
    "labelsPerSecond: completed claim+label cycles per second through HTTP, bearer-token auth, zod validation, lease check and the label statement; server, PostgreSQL and load generator share this 2-core machine.",
    "mode: flat-out — each labeller claims again the moment its label is stored (a throughput test: with 100 of them, latency is mostly queueing, by Little's law ≈ concurrency ÷ throughput); " +
      `paced — ${PACED.concurrency} labellers thinking ${PACED.thinkMs} ms on average (uniform ±50%) between labels, the pace bench:ui measured for a keyboard labeller, for ${PACED.seconds} s.`,
    "p50/p95/p99: latency of the label submission (POST /api/v1/tasks/{id}/labels); claimP99Ms: of POST …/tasks/next.",
    "rawInsertsPerSecond: the same label rows inserted with raw pg (one transaction each, same concurrency, pool 10; PGlite pool 1) from the benchmark process, in the same run (flat-out rows only).",
    "serverCpuMsPerLabel / postgresCpuMsPerLabel: CPU time (/proc) of the server process and of the PostgreSQL backends serving it, per claim+label cycle; postgresCpuMsPerRawInsert: of the raw inserts' backends per insert.",
    "Goal: ratio ≥ 0.40 and p99 ≤ 25 ms at 100 labellers on PostgreSQL." +
      (pg100 && pg100.ratio !== null ? ` Flat-out at 100: ratio ${pg100.ratio} → ratio ${mark(pg100.ratio >= 0.4)}; p99 ${pg100.p99Ms} ms → ${mark(pg100.p99Ms <= 25)}.` : "") +
      (pgPaced ? ` Paced at ${pgPaced.concurrency}: p99 ${pgPaced.p99Ms} ms (claim p99 ${pgPaced.claimP99Ms} ms) → ${mark(pgPaced.p99Ms <= 25)}.` : ""),
  ],
});
console.log(md);
