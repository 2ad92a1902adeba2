/**
 * `npx tsx bench/api-statements.ts` — what each database statement of the batched labelling path costs on
 * PostgreSQL: claim 20 tasks (POST …/tasks/claim) → submit their 20 labels (POST /api/v1/labels), the service
 * functions the routes call, one batch after another on a pool of ONE connection, so each statement's backend
 * CPU time can be read exactly (/proc/<backend pid>/schedstat, nanoseconds) around it. The realtime relay runs as
 * on a web node (NOTIFY on its own listening connection, measured the same way).
 *
 * Prints, per statement: calls per batch, backend CPU µs per call and per label, wall µs per call; then the
 * EXPLAIN (ANALYZE, BUFFERS, WAL) of each hot statement of one batch in the middle of the run (rolled back), which
 * shows where inside a statement the time goes (index updates, foreign-key triggers, WAL).
 *
 * Needs the test PostgreSQL (TEST_DATABASE_URL); creates and drops its own database. Linux only (schedstat).
 * BENCH_BATCHES (default 300) batches of 20 over BENCH_TASKS (default 8,000) tasks in 8 rollouts, 100 labellers;
 * BENCH_SETUP_SQL: SQL run after the migrations (to try a schema change).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { memberships, projects, rollouts, rounds, states, users } from "../db/schema";
import type { Caller } from "../server/auth/authorize-project";
import { projectSpec } from "../server/projects/project-spec";
import { createTasksForRound } from "../server/rounds/create-tasks";
import { startRealtimeRelay, stopRealtimeRelay } from "../server/realtime/start-relay";
import { claimTasks } from "../server/tasks/claim-tasks";
import { submitLabels } from "../server/tasks/submit-labels";
import { createScratchPostgres } from "../tests/helpers/engines";

const BATCHES = Number(process.env.BENCH_BATCHES ?? 300);
const TASKS = Number(process.env.BENCH_TASKS ?? 8_000);
const BATCH = 20;
const USERS = 100;
const ROLLOUTS = 8;

/** CPU time of a process in ns (on-CPU time from the scheduler, exact, unlike the 10 ms ticks of /proc/pid/stat). */
const cpuNs = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);

interface Stat {
  calls: number;
  cpuNs: number;
  wallNs: number;
}
const stats = new Map<string, Stat>();
let recording = false;
/** The next hot statements to EXPLAIN (set for one batch). */
let explainNext = false;
const plans: string[] = [];

/** A statement's key: its prepared name without the text hash, else its first words. */
function keyOf(config: { name?: string; text: string }): string {
  if (config.name) return config.name.replace(/_[0-9a-f]{12}$/, "");
  return config.text.replace(/\s+/g, " ").trim().slice(0, 70);
}

// Every query of every pg client (the app's pool and the relay's listener) goes through Client#query.
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client & { processID?: number }, ...args: unknown[]) {
  const [first] = args;
  const config = typeof first === "string" ? { text: first, values: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] } : (first as { name?: string; text?: string; values?: unknown[] });
  const pid = this.processID;
  if (!recording || !pid || !config?.text || typeof (first as { submit?: unknown }).submit === "function") return original.apply(this, args);
  const key = keyOf(config as { name?: string; text: string });
  let c0 = 0;
  let t0 = 0n;
  const done = () => {
    const s = stats.get(key) ?? { calls: 0, cpuNs: 0, wallNs: 0 };
    s.calls++;
    s.cpuNs += cpuNs(pid) - c0;
    s.wallNs += Number(process.hrtime.bigint() - t0);
    stats.set(key, s);
  };
  const run = (): unknown => {
    c0 = cpuNs(pid);
    t0 = process.hrtime.bigint();
    const cb = args.at(-1);
    if (typeof cb === "function") {
      args[args.length - 1] = (...r: unknown[]) => {
        done();
        return (cb as (...x: unknown[]) => unknown)(...r);
      };
      return original.apply(this, args);
    }
    return (original.apply(this, args) as Promise<unknown>).finally(done);
  };
  if (!(explainNext && config.name)) return run();
  // EXPLAIN ANALYZE the statement first in a transaction rolled back, then run it for real (measured as usual).
  const q = (x: unknown) => original.call(this, x) as Promise<pg.QueryResult>;
  const pre = (async () => {
    await q("begin");
    const res = await q({ text: `explain (analyze, buffers, wal, costs off) ${config.text}`, values: config.values ?? [] });
    await q("rollback");
    plans.push(`--- ${key}\n${res.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n")}`);
  })();
  const p = pre.then(run);
  return typeof args.at(-1) === "function" ? undefined : p;
} as typeof pg.Client.prototype.query;

const scratch = await createScratchPostgres();
const database = await openDatabase({ url: scratch.url, poolSize: 1 });
const relay = await startRealtimeRelay(database, { listen: true });
try {
  const { db } = database;
  await migrateDatabase(db);
  // An experiment's schema change (e.g. an index dropped), run after the migrations.
  if (process.env.BENCH_SETUP_SQL) await database.pool.query(process.env.BENCH_SETUP_SQL);
  const callers: Caller[] = (
    await db
      .insert(users)
      .values(Array.from({ length: USERS }, (_, i) => ({ email: `l${i}@example.test`, name: `Labeller ${i}`, passwordHash: "unused" })))
      .returning({ id: users.id, email: users.email, name: users.name })
  ).map((u) => ({ ...u, isAdmin: false }));
  const [project] = await db.insert(projects).values({ name: "Statements", slug: `s-${Date.now()}`, envId: "CartPole-v1", config: { settings: { labelsPerState: 1, statesPerRound: TASKS, autoAdvance: false } } }).returning();
  await db.insert(memberships).values(callers.map((c) => ({ projectId: project!.id, userId: c.id, role: "labeler" as const })));
  const [round] = await db.insert(rounds).values({ projectId: project!.id, index: 1, status: "labeling" }).returning();
  const per = Math.ceil(TASKS / ROLLOUTS);
  for (let r = 0; r < ROLLOUTS; r++) {
    const [rollout] = await db.insert(rollouts).values({ projectId: project!.id, roundId: round!.id, source: "policy", length: per }).returning();
    for (let t0 = 0; t0 < per; t0 += 1000) {
      await db
        .insert(states)
        .values(Array.from({ length: Math.min(1000, per - t0) }, (_, k) => ({ projectId: project!.id, rolloutId: rollout!.id, t: t0 + k, observation: [Math.random(), Math.random(), Math.random(), Math.random()], policyAction: 0 })));
    }
  }
  // The tasks as a round makes them (selection "all", one label each).
  await db.transaction((tx) => createTasksForRound(tx, round!, projectSpec(project!)));
  await db.execute("vacuum analyze");

  const pool = database.pool;
  const pid = async () => ((await pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid);
  const backend = await pid();
  let labelled = 0;
  const runBatch = async (i: number) => {
    const caller = callers[i % USERS]!;
    const claimed = await claimTasks(db, caller, project!.id, { count: BATCH });
    const results = await submitLabels(db, caller, { labels: claimed.tasks.map((t) => ({ taskId: t.task.id, id: randomUUID(), action: 1, durationMs: 500 })) });
    labelled += results.filter((r) => r.status === 201).length;
  };
  for (let i = 0; i < 20; i++) await runBatch(i); // warm: prepared statements, caches
  await new Promise((r) => setTimeout(r, 300));
  labelled = 0;
  recording = true;
  const all0 = cpuNs(backend);
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) {
    explainNext = i === Math.floor(BATCHES / 2);
    await runBatch(i);
  }
  explainNext = false;
  await new Promise((r) => setTimeout(r, 300)); // the last progress recount
  const seconds = (performance.now() - t0) / 1000;
  recording = false;
  const allCpu = cpuNs(backend) - all0;

  const rows = [...stats.entries()].sort((a, b) => b[1].cpuNs - a[1].cpuNs);
  const f = (x: number) => x.toFixed(1).padStart(9);
  console.log(`\n${BATCHES} batches of ${BATCH}, ${labelled} labels stored in ${seconds.toFixed(1)} s (serial, one connection; load ${fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0]})`);
  console.log(`pool backend CPU per label: ${(allCpu / 1000 / labelled).toFixed(1)} µs (includes statements outside the app's own, e.g. parse/bind)\n`);
  console.log(`${"statement".padEnd(72)} ${"per batch".padStart(9)} ${"cpu µs".padStart(9)} ${"µs/label".padStart(9)} ${"wall µs".padStart(9)}`);
  for (const [key, s] of rows) {
    console.log(`${key.padEnd(72)} ${f(s.calls / BATCHES)} ${f(s.cpuNs / s.calls / 1000)} ${f(s.cpuNs / 1000 / labelled)} ${f(s.wallNs / s.calls / 1000)}`);
  }
  const sum = rows.reduce((a, [, s]) => a + s.cpuNs, 0);
  console.log(`${"total (statements above, all backends)".padEnd(72)} ${"".padStart(9)} ${"".padStart(9)} ${f(sum / 1000 / labelled)}`);

  // Whether each prepared statement runs a cached generic plan or is planned afresh each time (a custom plan).
  const prepared = await pool.query<{ name: string; generic_plans: string; custom_plans: string }>("select name, generic_plans, custom_plans from pg_prepared_statements order by name");
  console.log("\nprepared statements (this connection): name, generic plans, custom plans");
  for (const r of prepared.rows) console.log(`  ${r.name.padEnd(40)} ${String(r.generic_plans).padStart(6)} ${String(r.custom_plans).padStart(6)}`);
  console.log(`\nEXPLAIN (ANALYZE, BUFFERS, WAL) of batch ${Math.floor(BATCHES / 2)}'s statements, each run first in a transaction rolled back:\n`);
  console.log(plans.join("\n\n"));
} finally {
  await stopRealtimeRelay(relay);
  await database.close();
  await scratch.drop();
}
