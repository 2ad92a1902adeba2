/**
 * `npm run bench:ingest` — what a robot's uploads cost: steps and 64×64 PNG frames uploaded per second through
 * the clients (the TypeScript client in this process, the Python client in a python3 process: batched rollouts
 * with client ids, frame batches), on PostgreSQL and on embedded PGlite. Reference, in the same run: raw `pg`
 * inserts of the same rows (rollouts + states via one jsonb parameter per statement, frames 100 per statement,
 * one transaction per client request's worth) into look-alike tables. Goals on PostgreSQL: ≥ 500 frames/s and
 * ≥ 20,000 steps/s through the clients.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { connect, type Episode, type Project } from "../clients/typescript/src/index";
import { encodePng } from "../clients/typescript/src/png";
import { openDatabase } from "../db/client";
import { ApiClient, waitFor } from "../tests/helpers/api-client";
import { createScratchPostgres, postgresReachable } from "../tests/helpers/engines";
import { ROOT, startServer, type ServerProcess } from "../tests/helpers/server-process";
import { saveResults } from "./lib/results";

const EPISODES = Number(process.env.BENCH_EPISODES ?? 50);
const STEPS = Number(process.env.BENCH_STEPS ?? 1000);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 2000);
const GOAL = { framesPerSecond: 500, stepsPerSecond: 20_000 };

interface Row {
  engine: string;
  path: string;
  steps: number;
  stepsPerSecond: number;
  frames: number;
  framesPerSecond: number;
  [key: string]: string | number;
}

/** A synthetic 64×64 camera image: a gradient, a moving block, mild sensor noise (as bench/ingest_client.py). */
function frame(i: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(64 * 64 * 3);
  let s = i * 2654435761;
  const noise = () => ((s = (s * 1103515245 + 12345) >>> 0) % 13) - 6;
  const c = (i * 3) % 56;
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) {
      const block = y >= 20 && y < 36 && x >= c && x < c + 8;
      const px = block ? [30, 30, 200] : [x * 4, y * 4, (x + y) * 2];
      for (let k = 0; k < 3; k++) data[(y * 64 + x) * 3 + k] = Math.max(0, Math.min(255, (px[k] as number) + noise()));
    }
  return { data, width: 64, height: 64 };
}

function episodes(n: number, length: number, withFrames: boolean): Episode[] {
  let r = 1;
  const rnd = () => ((r = (r * 48271) % 2147483647) / 2147483647) * 2 - 1;
  return Array.from({ length: n }, (_, e) => ({
    id: randomUUID(),
    seed: e,
    totalReturn: length,
    success: null,
    terminated: false,
    steps: Array.from({ length }, (_, t) => ({
      observation: [rnd(), rnd(), rnd(), rnd()],
      action: 0,
      policyAction: t % 2,
      reward: 1,
      state: [rnd(), rnd(), rnd(), rnd()],
      frame: withFrames ? frame(e * length + t) : null,
      intervention: false,
    })),
  }));
}

/** An external project with round 0 published and round 1 collecting. */
async function setUp(base: string): Promise<{ lead: ApiClient; project: Project }> {
  const lead = await ApiClient.signUpAndLogin(base, "Bench lead", `ingest-${Date.now()}@example.test`);
  const client = await connect({ url: base, token: lead.token as string, realtime: false });
  const project = await client.createProject({ name: "bench ingest", observationSpace: { type: "box", shape: [4], low: [-9, -9, -9, -9], high: [9, 9, 9, 9] }, actionSpace: { type: "discrete", n: 2 }, settings: { epochs: 1, statesPerRound: 10 } });
  let round = await project.startRound();
  await round.uploadRollouts(episodes(1, 20, false));
  await round.close();
  await waitFor("round 0 published", async () => (await round.refresh()).status === "published", 120_000);
  round = await project.startRound();
  return { lead, project };
}

/** The same rows through raw pg: look-alike tables, one transaction per request's worth of rows. */
async function rawInserts(url: string, projectId: string, steps: Episode[], frames: Uint8Array[]): Promise<{ stepsPerSecond: number; framesPerSecond: number }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`create table if not exists bench_rollouts (id uuid primary key default gen_random_uuid(), project_id uuid not null, round_id uuid not null, policy_id uuid, source text not null, seed integer, length integer not null, total_return double precision, meta jsonb not null default '{}', client_id uuid, created_at timestamptz not null default now(), unique (project_id, client_id))`);
    await db.query(`create table if not exists bench_states (id uuid primary key default gen_random_uuid(), project_id uuid not null, rollout_id uuid not null, t integer not null, observation jsonb not null, env_state jsonb, action jsonb, policy_action jsonb, uncertainty double precision, reward double precision, frame_id uuid, intervention boolean not null default false, unique (rollout_id, t))`);
    await db.query(`create table if not exists bench_frames (id uuid primary key, project_id uuid not null, mime text not null, bytes bytea not null, created_at timestamptz not null default now())`);
    const roundId = randomUUID();
    const t0 = performance.now();
    for (let i = 0; i < steps.length; i += 20) {
      await db.query("begin");
      for (const ep of steps.slice(i, i + 20)) {
        const { rows } = await db.query<{ id: string }>("insert into bench_rollouts (project_id, round_id, source, seed, length, total_return, client_id) values ($1, $2, 'external', $3, $4, $5, $6) returning id", [projectId, roundId, ep.seed, ep.steps.length, ep.totalReturn, ep.id]);
        const rec = ep.steps.map((s, t) => ({ project_id: projectId, rollout_id: rows[0]!.id, t, observation: s.observation, env_state: s.state, policy_action: s.policyAction, reward: s.reward }));
        await db.query(
          "insert into bench_states (project_id, rollout_id, t, observation, env_state, policy_action, reward) select project_id, rollout_id, t, observation, env_state, policy_action, reward from jsonb_to_recordset($1::jsonb) as x(project_id uuid, rollout_id uuid, t integer, observation jsonb, env_state jsonb, policy_action jsonb, reward double precision)",
          [JSON.stringify(rec)],
        );
      }
      await db.query("commit");
    }
    const stepsSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    for (let i = 0; i < frames.length; i += 500) {
      await db.query("begin");
      for (let j = i; j < Math.min(i + 500, frames.length); j += 100) {
        const chunk = frames.slice(j, Math.min(j + 100, i + 500, frames.length));
        const params: unknown[] = [];
        const values = chunk.map((f, k) => (params.push(randomUUID(), projectId, "image/png", Buffer.from(f)), `($${k * 4 + 1}, $${k * 4 + 2}, $${k * 4 + 3}, $${k * 4 + 4})`));
        await db.query(`insert into bench_frames (id, project_id, mime, bytes) values ${values.join(", ")}`, params);
      }
      await db.query("commit");
    }
    const framesSeconds = (performance.now() - t1) / 1000;
    await db.query("drop table bench_rollouts; drop table bench_states; drop table bench_frames");
    const stepCount = steps.reduce((n, e) => n + e.steps.length, 0);
    return { stepsPerSecond: Math.round(stepCount / stepsSeconds), framesPerSecond: Math.round(frames.length / framesSeconds) };
  } finally {
    await db.end();
  }
}

async function benchEngine(engine: "postgres" | "pglite"): Promise<Row[]> {
  let server: ServerProcess;
  let rawUrl: string;
  let cleanup: () => Promise<void>;
  if (engine === "postgres") {
    const scratch = await createScratchPostgres();
    server = await startServer({ DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "bench-secret-0123456789abcdef" }, 300_000);
    rawUrl = scratch.url;
    cleanup = scratch.drop;
  } else {
    server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-ingest-")) }, 300_000);
    const ref = await openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-ingest-ref-")) });
    rawUrl = ref.url;
    cleanup = () => ref.close();
  }
  try {
    const { lead, project } = await setUp(server.url);
    const round = (await project.currentRound())!;
    const rows: Row[] = [];

    // Warm-up outside the timings: the first requests load the route modules and JIT the server's paths.
    await round.uploadRollouts(episodes(2, 50, true));
    const stepEps = episodes(EPISODES, STEPS, false);
    let t0 = performance.now();
    await round.uploadRollouts(stepEps);
    const tsSteps = (performance.now() - t0) / 1000;
    const frameEps = episodes(FRAMES / 100, 100, true);
    t0 = performance.now();
    await round.uploadRollouts(frameEps);
    const tsFrames = (performance.now() - t0) / 1000;
    rows.push({ engine, path: "TypeScript client", steps: EPISODES * STEPS, stepsPerSecond: Math.round((EPISODES * STEPS) / tsSteps), frames: FRAMES, framesPerSecond: Math.round(FRAMES / tsFrames) });

    const py = spawnSync("python3", [path.join(ROOT, "bench/ingest_client.py"), server.url, lead.token as string, project.id, String(EPISODES), String(STEPS), String(FRAMES)], {
      env: { ...process.env, PYTHONPATH: path.join(ROOT, "clients/python") },
      encoding: "utf8",
      timeout: 600_000,
    });
    if (py.status === 0) {
      const r = JSON.parse(py.stdout.trim().split("\n").at(-1)!) as { steps: number; stepsSeconds: number; frames: number; framesSeconds: number };
      rows.push({ engine, path: "Python client", steps: r.steps, stepsPerSecond: Math.round(r.steps / r.stepsSeconds), frames: r.frames, framesPerSecond: Math.round(r.frames / r.framesSeconds) });
    } else console.warn(`[bench:ingest] python client failed: ${py.stderr}`);

    const pngs = await Promise.all(Array.from({ length: FRAMES }, (_, i) => encodePng(frame(i))));
    const raw = await rawInserts(rawUrl, project.id, episodes(EPISODES, STEPS, false), pngs);
    rows.push({ engine, path: "raw pg inserts (reference)", steps: EPISODES * STEPS, stepsPerSecond: raw.stepsPerSecond, frames: FRAMES, framesPerSecond: raw.framesPerSecond });
    for (const r of rows) console.log(`[bench:ingest] ${engine} ${r.path}: ${r.stepsPerSecond} steps/s, ${r.framesPerSecond} frames/s`);
    return rows;
  } finally {
    await server.stop();
    await cleanup();
  }
}

const ENGINES = (process.env.BENCH_ENGINES ?? "postgres,pglite").split(",");
const rows: Row[] = [];
if (ENGINES.includes("postgres")) {
  if (await postgresReachable()) rows.push(...(await benchEngine("postgres")));
  else console.warn("[bench:ingest] PostgreSQL unreachable: skipping it");
}
if (ENGINES.includes("pglite")) rows.push(...(await benchEngine("pglite")));
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
const goals = rows
  .filter((r) => r.engine === "postgres" && r.path.endsWith("client"))
  .map((r) => `${r.path}: ${r.framesPerSecond} frames/s → ${mark(r.framesPerSecond >= GOAL.framesPerSecond)}, ${r.stepsPerSecond} steps/s → ${mark(r.stepsPerSecond >= GOAL.stepsPerSecond)}`);
const md = saveResults("ingest", {
  title: "Robot uploads: steps and 64×64 PNG frames per second through the clients vs raw pg inserts",
  rows: rows.map((r) => ({ ...r, goal: r.engine === "postgres" && r.path.endsWith("client") ? mark(r.framesPerSecond >= GOAL.framesPerSecond && r.stepsPerSecond >= GOAL.stepsPerSecond) : "" })),
  notes: [
    `steps: ${EPISODES} rollouts × ${STEPS} steps (4-d observation and state, policy action, reward) uploaded by round.uploadRollouts / round.upload_rollouts: batched requests of ≤ 20,000 steps with client ids, each validated and stored in one transaction.`,
    `frames: ${FRAMES} synthetic 64×64 RGB camera images (gradient, moving block, noise), in batches of ≤ 500 a request, PNG-encoded by the client (TypeScript: CompressionStream; Python: zlib level 1), sent as frame batches, then the ${FRAMES}-step rollouts that reference them.`,
    "raw pg inserts: the same rows from this process into look-alike tables (same columns and unique indexes, no foreign keys): rollouts + states by one jsonb_to_recordset statement per rollout, 20 rollouts a transaction; pre-encoded PNG frames 100 per statement, 500 a transaction. PGlite's reference is a second PGlite through its socket server.",
    "Server, database and clients share this 2-core machine; the Python client runs in its own process (after the TypeScript client, so on warm server paths; the TypeScript client first uploads 100 steps with frames, untimed, as its warm-up).",
    `Goals on PostgreSQL: ≥ ${GOAL.framesPerSecond} frames/s and ≥ ${GOAL.stepsPerSecond.toLocaleString("en-US")} steps/s through the clients. ${goals.join("; ")}.`,
  ],
});
console.log(md);
