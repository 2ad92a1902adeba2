/**
 * `npm run bench:api` — simulated labellers through the full stack (HTTP, token auth, validation, lease check,
 * the label statement) against real PostgreSQL and embedded PGlite:
 *
 * - flat-out, single-label calls (claim → label → claim …) at each BENCH_CONCURRENCY (default 100);
 * - batched flat-out: 100 clients claiming 20 tasks and sending their 20 labels in one request each;
 * - paced: 100 labellers at a person's pace (0.8 s think time), single-label calls — the latency goal.
 *
 * An honest load generator: the labellers run in a child process (bench/lib/api-load.ts), pinned with `taskset`
 * to the other core than the server where the machine has two or more; the reference — raw `pg` inserts of the
 * same label rows at the same concurrency — runs in the same kind of child, in the same run. The server runs
 * with CORRECTIVE_BENCH_METRICS=1 (server/http/bench-metrics.ts): each level records the server's own timings
 * next to the client's, the event-loop delay, the GC time and pool waits, so that a miss can be attributed.
 *
 * Goals (PostgreSQL): batched labels/s ≥ 40% of raw single-row inserts; paced label p99 ≤ 25 ms and claim p99 ≤ 25 ms.
 * Loopback only; every loop is bounded by a label count and a time limit.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openDatabase } from "../db/client";
import { ApiClient, waitFor } from "../tests/helpers/api-client";
import { createScratchPostgres, postgresReachable } from "../tests/helpers/engines";
import { startServer } from "../tests/helpers/server-process";
import { API } from "../contracts/routes";
import type { LoadJob, LoadResult } from "./lib/api-load";
import { saveResults } from "./lib/results";
import { cpuMs, rssMiB } from "./lib/stats";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "100").split(",").map(Number);
const LABELS_PER_LEVEL = Number(process.env.BENCH_LABELS ?? 3000);
const BATCH = { size: 20, concurrency: 100, labels: Number(process.env.BENCH_BATCH_LABELS ?? 12_000) };
const TIME_LIMIT_MS = 60_000;
/**
 * The paced run: 100 labellers at a person's pace. bench:ui measured a keyboard labeller at 72 labels/min
 * (≈ 830 ms a label, answer included), so each simulated labeller thinks 0.8 s on average between labels.
 */
const PACED = { concurrency: 100, thinkMs: 800, seconds: Number(process.env.BENCH_PACED_SECONDS ?? 30) };
const PACED_MAX_LABELS = Math.ceil((PACED.concurrency * PACED.seconds * 1000) / PACED.thinkMs);
/** After a restart (the before/after rows): paced load for a few seconds before measuring. */
const WARM_UP = { ms: 8_000, labels: 1_000 };
const OBS_DIM = 4;
const PG_POOL = Number(process.env.BENCH_DB_POOL_SIZE ?? 10);
/** The fixes the "before" paced row switches off (server/http/bench-metrics.ts `benchOff`); empty: no before row. */
const BEFORE = process.env.BENCH_BEFORE ?? "token-cache";
/** Whether to add a paced row with the server unpinned (attribution of the tail to core contention). */
const UNPINNED_ROW = process.env.BENCH_UNPINNED_ROW !== "0";
/**
 * Which levels to run (BENCH_MODES, comma-separated: flat-out, batched, paced; default all). With only some, the
 * before/unpinned paced rows follow the paced level and the goals line judges what ran.
 */
const MODES = new Set((process.env.BENCH_MODES ?? "flat-out,batched,paced").split(",").map((m) => m.trim()));
/** Where the results go (BENCH_RESULTS_DIR; default bench/results/): a partial or loaded run should not replace the committed one. */
const RESULTS_DIR_OVERRIDE = process.env.BENCH_RESULTS_DIR;
/** Where to write a CPU profile of the server per level (V8 .cpuprofile), if set. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

/** Cores for the server and the load generator, or null where `taskset` or a second core is missing. */
const PIN = (() => {
  if (os.cpus().length < 2 || process.env.BENCH_NO_PIN === "1") return null;
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return { server: "0", load: String(os.cpus().length - 1) };
  } catch {
    return null;
  }
})();

interface Level {
  engine: string;
  mode: string;
  concurrency: number;
  labels: number;
  labelsPerSecond: number;
  rawInsertsPerSecond: number | null;
  ratio: number | null;
  /** Client-side latency of the label request (a batch of 20 in batched mode). */
  p50Ms: number;
  p99Ms: number;
  claimP50Ms: number;
  claimP99Ms: number;
  /** The server's own time for the same requests (Server-Timing). */
  serverP99Ms: number;
  serverClaimP99Ms: number;
  authP99Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  gcMsPerS: number;
  gcMaxMs: number;
  poolWaitMax: number;
  serverCpuMsPerLabel: number | null;
  postgresCpuMsPerLabel: number | null;
  loadCpuMsPerLabel: number;
  /** Requests the load generator sent again after a connection reset. */
  resets: number;
}

/** Runs one load job in a child process (pinned away from the server where possible); its JSON result. */
function runLoad(job: LoadJob): Promise<LoadResult> {
  const args = ["--import", "tsx", path.join(ROOT, "bench/lib/api-load.ts")];
  const [cmd, argv] = PIN ? ["taskset", ["-c", PIN.load, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd as string, argv as string[], { cwd: ROOT, env: { ...process.env, BENCH_LOAD: JSON.stringify(job) }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code !== 0 || !line) reject(new Error(`load generator exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as LoadResult);
    });
  });
}

/** An external project in labeling with `tasks` tasks, k = 1, and `users` labellers with tokens. */
async function setUp(base: string, tasks: number, users: number) {
  const stamp = Date.now();
  const lead = await ApiClient.signUpAndLogin(base, "Bench lead", `bench-lead-${stamp}@example.test`);
  const project = await lead.ok("POST", API.projects, {
    name: "bench api",
    external: { observationSpace: { type: "box", shape: [OBS_DIM], low: Array(OBS_DIM).fill(-10), high: Array(OBS_DIM).fill(10) }, actionSpace: { type: "discrete", n: 2 } },
    settings: { statesPerRound: tasks, selection: "all", labelsPerState: 1, epochs: 2, autoAdvance: false },
  });
  const obs = () => Array.from({ length: OBS_DIM }, () => Math.random() * 2 - 1);
  await lead.ok("POST", API.demonstrations(project.id), { episodes: [{ steps: Array.from({ length: 50 }, (_, t) => ({ observation: obs(), action: t % 2 })) }] });
  await lead.ok("POST", API.closeRound(project.id, 0));
  await waitFor("round 0 published", async () => (await lead.ok("GET", API.round(project.id, 0))).status === "published", 300_000);
  await lead.ok("POST", API.rounds(project.id));
  for (let sent = 0; sent < tasks; sent += 1000) {
    await lead.ok("POST", API.rollouts(project.id), { steps: Array.from({ length: Math.min(1000, tasks - sent) }, () => ({ observation: obs(), policyAction: 0 })) });
  }
  await lead.ok("POST", API.closeRound(project.id, 1));
  const labelers: ApiClient[] = [];
  for (let i = 0; i < users; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, users - i) }, (_, j) => ApiClient.signUpAndLogin(base, `Labeler ${i + j}`, `bench-l${i + j}-${stamp}@example.test`)),
    );
    for (const l of batch) {
      const me = await l.ok("GET", API.me);
      await lead.ok("POST", API.members(project.id), { email: me.email, role: "labeler" });
    }
    labelers.push(...batch);
  }
  return { projectId: project.id as string, tokens: labelers.map((l) => l.token!) };
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

interface Metrics {
  routes: Record<string, { total: { p99: number }; auth: { p99: number } }>;
  eventLoopDelayMs: { p99: number; max: number };
  gc: { msPerSecond: number; maxMs: number };
  poolWaiting: { max: number };
}
async function serverMetrics(base: string): Promise<Metrics> {
  const res = await fetch(`${base}/__bench/metrics?reset=1`);
  return (await res.json()) as Metrics;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

async function benchEngine(engine: "postgres" | "pglite"): Promise<Level[]> {
  const tasks =
    (MODES.has("flat-out") ? LABELS_PER_LEVEL * CONCURRENCY.length : 0) +
    (MODES.has("batched") ? BATCH.labels : 0) +
    (MODES.has("paced") ? (PACED_MAX_LABELS + WARM_UP.labels) * (1 + (BEFORE ? 1 : 0) + (PIN && UNPINNED_ROW ? 1 : 0)) : 0) +
    1000;
  const maxC = Math.max(...CONCURRENCY, PACED.concurrency, BATCH.concurrency);
  let rawUrl: string;
  let cleanup: () => Promise<void>;
  const env: Record<string, string> = { NEXTAUTH_SECRET: "bench-secret-0123456789abcdef", CORRECTIVE_BENCH_METRICS: "1", ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}) };
  // The server's heap setting (server/heap-growth.ts) when the bench is given one, e.g. 20 (opt-in).
  if (process.env.HEAP_GROWING_PERCENT) env.HEAP_GROWING_PERCENT = process.env.HEAP_GROWING_PERCENT;
  if (engine === "postgres") {
    const scratch = await createScratchPostgres();
    Object.assign(env, { DATABASE_URL: scratch.url, DB_POOL_SIZE: String(PG_POOL) });
    rawUrl = scratch.url;
    cleanup = scratch.drop;
  } else {
    Object.assign(env, { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-")) });
    const ref = await openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-ref-")) });
    rawUrl = ref.url;
    cleanup = () => ref.close();
  }
  /** (Re)starts the server on the same database, with the listed fixes switched off (bench-metrics.ts `benchOff`). */
  let off = "";
  let pinned = true;
  const start = async (fixesOff: string, pinServer: boolean) => {
    off = fixesOff;
    pinned = pinServer;
    const s = await startServer({ ...env, CORRECTIVE_BENCH_OFF: fixesOff });
    if (PIN && pinServer && s.proc.pid) execFileSync("taskset", ["-a", "-p", "-c", PIN.server, String(s.proc.pid)], { stdio: "ignore" });
    return s;
  };
  let server = await start("", true);
  try {
    console.log(`[bench:api] ${engine}: setting up ${tasks} tasks and ${maxC} labellers…${PIN ? ` (server on core ${PIN.server}, load on core ${PIN.load})` : ""}`);
    const { projectId, tokens } = await setUp(server.url, tasks, maxC);
    const levels: Level[] = [];
    const all = [
      ...CONCURRENCY.map((c) => ({ mode: "flat-out", c, thinkMs: 0, batch: 0, total: LABELS_PER_LEVEL, limitMs: TIME_LIMIT_MS })),
      { mode: `batched ${BATCH.size} flat-out`, c: BATCH.concurrency, thinkMs: 0, batch: BATCH.size, total: BATCH.labels, limitMs: TIME_LIMIT_MS },
      // Before/after in one run: the paced level again with the measured fixes switched off (server restarted on the same data).
      ...(BEFORE ? [{ mode: `paced ${PACED.thinkMs / 1000} s, before (off: ${BEFORE})`, c: PACED.concurrency, thinkMs: PACED.thinkMs, batch: 0, total: PACED_MAX_LABELS, limitMs: PACED.seconds * 1000, fixesOff: BEFORE }] : []),
      { mode: `paced ${PACED.thinkMs / 1000} s`, c: PACED.concurrency, thinkMs: PACED.thinkMs, batch: 0, total: PACED_MAX_LABELS, limitMs: PACED.seconds * 1000 },
      // Attribution: the same with the server free to run on either core (only the load generator pinned).
      ...(PIN && UNPINNED_ROW ? [{ mode: `paced ${PACED.thinkMs / 1000} s, server unpinned`, c: PACED.concurrency, thinkMs: PACED.thinkMs, batch: 0, total: PACED_MAX_LABELS, limitMs: PACED.seconds * 1000, pinServer: false }] : []),
    ];
    const runs = all.filter((r) => MODES.has(r.batch ? "batched" : r.thinkMs ? "paced" : "flat-out"));
    for (const { mode, c, thinkMs, batch, total, limitMs, fixesOff = "", pinServer = true } of runs as ((typeof runs)[number] & { fixesOff?: string; pinServer?: boolean })[]) {
      if (fixesOff !== off || pinServer !== pinned) {
        await server.stop();
        server = await start(fixesOff, pinServer);
        // A fresh process compiles its hot paths and fills its caches and prepared statements under the first load;
        // the rows measure steady state, as the first rows (after set-up) do: a warm-up at the paced rate first.
        await runLoad({ kind: "labels", base: server.url, projectId, tokens, concurrency: PACED.concurrency, total: WARM_UP.labels, thinkMs: PACED.thinkMs, timeLimitMs: WARM_UP.ms, batch: 0 });
      }
      console.log(`[bench:api] ${engine} ${mode} c=${c}: driving (server pid ${server.proc.pid})`);
      await serverMetrics(server.url); // a fresh window
      const cpu0 = cpuMs(server.proc.pid);
      const pids = engine === "postgres" ? await backendPids(rawUrl) : [];
      const pg0 = sumCpu(pids);
      const profile = PROFILE_DIR ? path.join(PROFILE_DIR, `api-${engine}-${mode.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`) : null;
      if (profile) await fetch(`${server.url}/__bench/metrics?profile=start`);
      const run = await runLoad({ kind: "labels", base: server.url, projectId, tokens, concurrency: c, total, thinkMs, timeLimitMs: limitMs, batch });
      if (profile) await fetch(`${server.url}/__bench/metrics?profile=${encodeURIComponent(profile)}`);
      const cpu1 = cpuMs(server.proc.pid);
      const after = engine === "postgres" ? await backendPids(rawUrl) : [];
      const pg1 = sumCpu([...new Set([...pids, ...after])]);
      const m = await serverMetrics(server.url);
      const labelRoute = m.routes[batch ? "labelBatch" : "label"];
      const claimRoute = m.routes[batch ? "claimBatch" : "claim"];
      // The raw reference is a throughput: measured beside the flat-out runs only, at the same concurrency.
      const raw = thinkMs > 0 ? null : await runLoad({ kind: "raw", url: rawUrl, concurrency: c, total: Math.min(LABELS_PER_LEVEL, 5000), poolSize: engine === "pglite" ? 1 : PG_POOL });
      const rate = run.labels / run.seconds;
      const rawRate = raw ? raw.labels / raw.seconds : null;
      const level: Level = {
        engine,
        mode,
        concurrency: c,
        labels: run.labels,
        labelsPerSecond: Math.round(rate),
        rawInsertsPerSecond: rawRate === null ? null : Math.round(rawRate),
        ratio: rawRate === null ? null : Math.round((rate / rawRate) * 1000) / 1000,
        p50Ms: r1(run.requests.label.p50),
        p99Ms: r1(run.requests.label.p99),
        claimP50Ms: r1(run.requests.claim.p50),
        claimP99Ms: r1(run.requests.claim.p99),
        serverP99Ms: r1(labelRoute?.total.p99 ?? Number.NaN),
        serverClaimP99Ms: r1(claimRoute?.total.p99 ?? Number.NaN),
        authP99Ms: r1(Math.max(labelRoute?.auth.p99 ?? 0, claimRoute?.auth.p99 ?? 0)),
        eventLoopP99Ms: r1(m.eventLoopDelayMs.p99),
        eventLoopMaxMs: r1(m.eventLoopDelayMs.max),
        gcMsPerS: r1(m.gc.msPerSecond),
        gcMaxMs: r1(m.gc.maxMs),
        poolWaitMax: m.poolWaiting.max,
        postgresCpuMsPerLabel: engine === "postgres" && pg0 !== null && pg1 !== null ? Math.round(((pg1 - pg0) / Math.max(1, run.labels)) * 100) / 100 : null,
        serverCpuMsPerLabel: cpu0 !== null && cpu1 !== null ? Math.round(((cpu1 - cpu0) / Math.max(1, run.labels)) * 100) / 100 : null,
        loadCpuMsPerLabel: Math.round((run.loadCpuMs / Math.max(1, run.labels)) * 100) / 100,
        resets: run.resets,
      };
      console.log(`[bench:api] ${engine} ${mode} c=${c}: ${JSON.stringify(level)}`);
      levels.push(level);
    }
    console.log(`[bench:api] ${engine}: server RSS ${await rssMiB(server.proc.pid)} MiB`);
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
const batched = rows.find((r) => r.engine === "postgres" && r.mode.startsWith("batched"));
const paced = rows.find((r) => r.engine === "postgres" && r.mode === `paced ${PACED.thinkMs / 1000} s`);
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
const before = rows.find((r) => r.engine === "postgres" && r.mode.includes("before"));
const unpinned = rows.find((r) => r.engine === "postgres" && r.mode.includes("unpinned"));
const single = rows.find((r) => r.engine === "postgres" && r.mode === "flat-out" && r.concurrency === 100);
const vs = (a: Level, b: Level, keys: (keyof Level)[]) => keys.map((k) => `${k} ${String(a[k])} → ${String(b[k])}`).join(", ");
const md = saveResults("api", {
  title: "Labelling API: claim → label through the full stack vs raw pg inserts",
  rows: rows as unknown as Record<string, number | string | null>[],
  notes: [
    `Load generator: a child process (bench/lib/api-load.ts) over keep-alive HTTP${PIN ? `, pinned with taskset to core ${PIN.load}; the server pinned to core ${PIN.server}; PostgreSQL unpinned` : ", unpinned (no taskset or one core)"}; the raw reference runs in the same kind of child.`,
    "mode: flat-out — each labeller claims again the moment its label is stored (a throughput test; latency is mostly queueing); " +
      `batched — ${BATCH.concurrency} clients each claiming ${BATCH.size} tasks (POST …/tasks/claim) and sending their ${BATCH.size} labels in one POST /api/v1/labels; ` +
      `paced — ${PACED.concurrency} labellers thinking ${PACED.thinkMs} ms on average (uniform ±50%) between single-label calls, the pace bench:ui measured for a keyboard labeller, for ${PACED.seconds} s. ` +
      `Rows that need another server configuration restart it on the same database and warm it up (${WARM_UP.ms / 1000} s at the paced rate, not measured) first.`,
    "p50Ms/p99Ms: client-side latency of the label request (a batch of 20 in batched mode); claimP50Ms/claimP99Ms: of the claim. serverP99Ms/serverClaimP99Ms: the server's own time for them (Server-Timing, from reading the body to the answer); authP99Ms: of that, the caller check.",
    "eventLoopP99Ms/MaxMs: the server's event-loop delay (monitorEventLoopDelay, 10 ms resolution); gcMsPerS/gcMaxMs: GC time per second and the longest pause; poolWaitMax: most requests waiting for a database connection (sampled every 10 ms).",
    "rawInsertsPerSecond: the same label rows inserted with raw pg (one transaction each, same concurrency, pool 10; PGlite pool 1), in the same run (flat-out rows only).",
    "serverCpuMsPerLabel / postgresCpuMsPerLabel / loadCpuMsPerLabel: CPU time of the server process, of the PostgreSQL backends serving it, and of the load generator, per label.",
    ...(before && paced ? [`Token checks from the in-process cache (before: one database read per request, fixes off: ${BEFORE}; after: all fixes), paced, same run: ${vs(before, paced, ["p99Ms", "claimP99Ms", "serverP99Ms", "serverClaimP99Ms", "authP99Ms", "poolWaitMax", "serverCpuMsPerLabel", "postgresCpuMsPerLabel"])}.`] : []),
    ...(unpinned && paced ? [`Server pinned to one core vs free on both (load generator pinned either way), paced, same run: ${vs(paced, unpinned, ["p99Ms", "claimP99Ms", "serverP99Ms", "eventLoopP99Ms", "eventLoopMaxMs"])}.`] : []),
    ...(single && batched ? [`Batching, flat-out at 100 clients, same run: labels/s ${single.labelsPerSecond} → ${batched.labelsPerSecond}; server CPU per label ${String(single.serverCpuMsPerLabel)} → ${String(batched.serverCpuMsPerLabel)} ms; PostgreSQL CPU per label ${String(single.postgresCpuMsPerLabel)} → ${String(batched.postgresCpuMsPerLabel)} ms.`] : []),
    "Goals (PostgreSQL): batched ratio ≥ 0.40" +
      (batched?.ratio != null ? ` → ${batched.ratio} ${mark(batched.ratio >= 0.4)}` : "") +
      "; paced label p99 ≤ 25 ms and claim p99 ≤ 25 ms" +
      (paced ? ` → label ${paced.p99Ms} ms ${mark(paced.p99Ms <= 25)}, claim ${paced.claimP99Ms} ms ${mark(paced.claimP99Ms <= 25)}` : "") +
      ".",
  ],
}, RESULTS_DIR_OVERRIDE ? { dir: RESULTS_DIR_OVERRIDE } : {});
if (RESULTS_DIR_OVERRIDE) console.log(`[bench:api] results written to ${RESULTS_DIR_OVERRIDE}`);
console.log(md);
