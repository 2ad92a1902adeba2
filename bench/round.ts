/**
 * `npm run bench:round` — wall time from the last label of a round to the new policy published
 * (aggregation → dataset version → training in the trainer worker → publish), by dataset size
 * (1k, 10k, 50k samples), with the backend the trainer chose. Goal: ≤ 15 s at 10k samples on CPU.
 *
 * Runs the real services and the in-process job runner against PostgreSQL (PGlite if Postgres is
 * unreachable); the labels before the last one are bulk-inserted, the last goes through submitLabel.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { openDatabase, type Database } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { labels, policies, rounds, tasks } from "../db/schema";
import { JobRunner } from "../server/jobs/runner";
import { createProject } from "../server/projects/create-project";
import { addDemonstrations } from "../server/rollouts/add-demonstrations";
import { addExternalRollout } from "../server/rollouts/add-external-rollout";
import { closeRound } from "../server/rounds/close-round";
import { startRound } from "../server/rounds/start-round";
import { submitLabel } from "../server/tasks/submit-label";
import { createScratchPostgres, postgresReachable } from "../tests/helpers/engines";
import { makeUser } from "../tests/helpers/fixtures";
import { saveResults } from "./lib/results";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,50000").split(",").map(Number);
const OBS = 8;
const obs = () => Array.from({ length: OBS }, () => Math.random() * 2 - 1);
/** A learnable rule so training has something to fit: the sign pattern of two features. */
const rule = (o: number[]) => ((o[0] as number) > 0 ? 1 : 0) + ((o[1] as number) > 0.5 ? 1 : 0);

async function waitStatus(db: Database["db"], roundId: string, status: string, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await db.select({ status: rounds.status, error: rounds.error }).from(rounds).where(eq(rounds.id, roundId));
    if (r?.status === status) return;
    if (r?.status === "failed") throw new Error(`round failed: ${r.error}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function measure(database: Database, size: number) {
  const db = database.db;
  const lead = await makeUser(db, "Bench lead");
  const project = await createProject(db, lead, {
    name: `bench round ${size}`,
    external: { observationSpace: { type: "box", shape: [OBS], low: Array(OBS).fill(-1), high: Array(OBS).fill(1) }, actionSpace: { type: "discrete", n: 3 } },
    settings: { selection: "all", statesPerRound: size, labelsPerState: 1, hiddenUnits: [256, 256], batchSize: 256, epochs: 30 },
  });
  const demo = Array.from({ length: 200 }, () => obs());
  await addDemonstrations(db, lead, project.id, { episodes: [{ steps: demo.map((o) => ({ observation: o, action: rule(o) })) }] });
  const r0 = await closeRound(db, lead, project.id, 0);
  await waitStatus(db, r0.id, "published");
  const r1 = await startRound(db, lead, project.id, {});
  const states = Array.from({ length: size }, () => obs());
  for (let i = 0; i < size; i += 20_000) await addExternalRollout(db, lead, project.id, { steps: states.slice(i, i + 20_000).map((o) => ({ observation: o })) });
  await closeRound(db, lead, project.id, 1);
  // Bulk-label all but one task, as if the labellers had done it.
  const open = await db.execute<{ id: string; state_id: string; observation: number[] }>(sql`select t.id, t.state_id, s.observation from ${tasks} t join states s on s.id = t.state_id where t.round_id = ${r1.id} order by t.created_at`);
  const all = open.rows;
  const last = all.pop();
  if (!last) throw new Error("no tasks");
  for (let i = 0; i < all.length; i += 2000) {
    const chunk = all.slice(i, i + 2000);
    await db.insert(labels).values(chunk.map((t) => ({ id: randomUUID(), taskId: t.id, stateId: t.state_id, userId: lead.id, action: rule(t.observation), durationMs: 500 })));
    await db.execute(sql`update ${tasks} set label_count = 1 where id in (${sql.join(chunk.map((t) => sql`${t.id}::uuid`), sql`, `)})`);
  }
  const t0 = performance.now();
  await submitLabel(db, lead, last.id, { id: randomUUID(), action: rule(last.observation) });
  await waitStatus(db, r1.id, "published");
  const wallMs = performance.now() - t0;
  const [round] = await db.select().from(rounds).where(eq(rounds.id, r1.id));
  const [policy] = await db.select({ training: policies.training, metrics: policies.metrics }).from(policies).where(eq(policies.id, round!.resultPolicyId!));
  const t = policy!.training as { backend: string; samples: number; epochsRun: number; samplesPerSec: number; timings: { totalMs: number } };
  return { samples: t.samples, backend: t.backend, epochs: t.epochsRun, samplesPerSecond: Math.round(t.samplesPerSec), trainMs: Math.round(t.timings.totalMs), wallMs: Math.round(wallMs), goal15sAt10k: size === 10_000 ? wallMs <= 15_000 : null };
}

let database: Database;
let drop: (() => Promise<void>) | undefined;
let engine: string;
if (await postgresReachable()) {
  const scratch = await createScratchPostgres();
  drop = scratch.drop;
  database = await openDatabase({ url: scratch.url });
  engine = "postgres";
} else {
  database = await openDatabase({ dataDir: "memory://" });
  engine = "pglite";
}
await migrateDatabase(database.db);
const runner = new JobRunner(database.db, { pollMs: 50, log: () => {} });
runner.start();
const rows = [];
try {
  for (const size of SIZES) {
    const row = await measure(database, size);
    console.log(`[bench:round] ${size} labels → published in ${row.wallMs} ms (training ${row.trainMs} ms, ${row.backend}, ${row.epochs} epochs, ${row.samples} samples)`);
    rows.push({ engine, labels: size, ...row });
  }
} finally {
  await runner.stop();
  await database.close();
  await drop?.();
}
const at10k = rows.find((r) => r.labels === 10_000);
console.log(
  saveResults("round", {
    title: "Last label → new policy published, by dataset size",
    rows,
    notes: [
      "wallMs: from the last label's submitLabel to the round's `published` (aggregation job → dataset version → train job in the trainer worker → evaluation skipped (external env) → publish); job runner polling every 50 ms.",
      "Model: MLP 8→256→256→3 categorical head, batch 256, up to 30 epochs with early stopping on a 10% validation split. samples = dataset size (200 demonstrations + the round's labels).",
      `Goal ≤ 15 s at 10k samples on CPU: ${at10k ? (at10k.wallMs <= 15_000 ? `met (${at10k.wallMs} ms on ${at10k.backend})` : `MISSED (${at10k.wallMs} ms on ${at10k.backend})`) : "not measured"}.`,
    ],
  }),
);
process.exit(0);
