/**
 * Crash soak: the real server is killed with SIGKILL at (seeded) random moments while 50 simulated labellers
 * work on one round (half of them one task a request, half through the batched claim and labels routes), and again at random moments while the round aggregates, trains and evaluates — at
 * least 20 times in all on PostgreSQL (8 on embedded PGlite, whose restarts are slow) — on both engines. After every kill, with the server dead,
 * the database is read directly:
 *   - every label the server acknowledged is stored exactly once, on its task; any other stored label is one
 *     that was in flight when the server died (its labeller resubmits it with the same UUID);
 *   - every task's label count equals its stored labels, and none has more than it needs;
 *   - the audit log's round transitions form one unbroken chain per round, ending at the round's status.
 * After each restart the labellers carry on (leases of dead claims run out or come back to their holder),
 * and at the end the round is published with every task done and every acknowledged label in the dataset.
 *
 * `CRASH_KILLS` sets the number of kills on both engines for a longer soak (e.g. `CRASH_KILLS=50`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { auditLog, datasetSamples, labels, rounds, tasks } from "../../db/schema";
import { createExpert } from "../../envs/index";
import { ApiClient, waitFor } from "../helpers/api-client";
import { inFlight, labelLoop, type Acks, type Labeller } from "../helpers/crash-labeller";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { startServer, type ServerProcess } from "../helpers/server-process";

const ENV_ID = "CartPole-v1";
const LABELLERS = 50;
/** Tasks per batch for the labellers on the batched routes (every other one). */
const BATCH = 5;
/** Kills per engine. Embedded PGlite restarts (and is re-opened for each check) slowly: fewer there by default. */
const KILLS_FOR = { pglite: Number(process.env.CRASH_KILLS ?? 8), postgres: Number(process.env.CRASH_KILLS ?? 20) };
const SETTINGS = { statesPerRound: 300, labelsPerState: 2, rolloutEpisodes: 4, evalEpisodes: 2, selection: "uniform", epochs: 30, batchSize: 32, hiddenUnits: [32] };

const ENGINES = [
  { name: "pglite", enabled: true },
  { name: "postgres", enabled: POSTGRES_OK },
] as const;

/** mulberry32: the kill moments are random but the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(ENGINES)("crash soak: SIGKILLs under 50 labellers [$name]", ({ name, enabled }) => {
  const KILLS = KILLS_FOR[name];
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await drop?.();
  });

  it.skipIf(!enabled)(`keeps every acknowledged label exactly once, recovers leases and never sticks, over ${KILLS} kills`, async () => {
    let env: Record<string, string>;
    let open: () => ReturnType<typeof openDatabase>;
    if (name === "postgres") {
      const scratch = await createScratchPostgres();
      drop = scratch.drop;
      env = { DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "integration-secret-0123456789", JOB_LEASE_MS: "2000" };
      open = () => openDatabase({ url: scratch.url, poolSize: 2 });
    } else {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-soak-"));
      env = { DATA_DIR: dataDir, JOB_LEASE_MS: "2000" };
      open = () => openDatabase({ dataDir });
    }
    const random = prng(name === "postgres" ? 7 : 11);
    server = await startServer(env);
    const stamp = `${name}-${Date.now()}`;
    const lead = await ApiClient.signUpAndLogin(server.url, "Lead", `lead-soak-${stamp}@example.test`);
    const project = await lead.ok("POST", "/api/v1/projects", { name: `soak ${name}`, envId: ENV_ID, settings: SETTINGS });
    const labellers: Labeller[] = await Promise.all(
      Array.from({ length: LABELLERS }, async (_, i) => {
        const api = await ApiClient.signUpAndLogin(server!.url, `Labeller ${i}`, `soak${i}-${stamp}@example.test`);
        await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: `soak${i}-${stamp}@example.test`, role: "labeler" });
        return { token: api.token!, expert: createExpert(ENV_ID, { seed: i }) };
      }),
    );
    const round = (index: number) => new ApiClient(server!.url, lead.token).ok("GET", `/api/v1/projects/${project.id}/rounds/${index}`);
    const reaches = (index: number, status: string) =>
      waitFor(`round ${index} ${status}`, async () => {
        const r = await round(index);
        if (r.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
        return r.status === status ? r : null;
      }, 180_000);
    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
    await reaches(0, "published");
    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
    const labeling = await reaches(1, "labeling");
    const tasksTotal = labeling.progress.tasksTotal as number;
    const required = SETTINGS.labelsPerState;
    expect(tasksTotal).toBeGreaterThan(100);

    const acks: Acks = { byId: new Map(), recovered: 0 };
    const kill = async () => {
      const s = server!;
      await s.stop("SIGKILL");
      expect(s.proc.signalCode).toBe("SIGKILL");
    };

    /** With the server dead: what the database holds must agree with what was acknowledged. */
    const check = async (after: string) => {
      const database = await open();
      try {
        const db = database.db;
        const roundRows = await db.select().from(rounds).where(eq(rounds.projectId, project.id));
        const r1 = roundRows.find((r) => r.index === 1)!;
        const roundTasks = await db.select().from(tasks).where(eq(tasks.roundId, r1.id));
        const stored = roundTasks.length ? await db.select().from(labels).where(inArray(labels.taskId, roundTasks.map((t) => t.id))) : [];
        const storedIds = new Map(stored.map((l) => [l.id, l.taskId]));
        const sent = inFlight(labellers);
        const missing = [...acks.byId].filter(([id, taskId]) => storedIds.get(id) !== taskId);
        const unexplained = stored.filter((l) => !acks.byId.has(l.id) && sent.get(l.id) !== l.taskId);
        expect({ after, missing, unexplained, duplicates: stored.length - storedIds.size }).toEqual({ after, missing: [], unexplained: [], duplicates: 0 });
        for (const t of roundTasks) {
          expect(t.labelCount).toBe(stored.filter((l) => l.taskId === t.id).length);
          expect(t.labelCount).toBeLessThanOrEqual(t.required);
        }
        // The audit log's transitions of each round chain without a gap or a repeat, up to its status.
        for (const r of roundRows) {
          const chain = await db
            .select({ data: auditLog.data })
            .from(auditLog)
            .where(and(eq(auditLog.targetType, "round"), eq(auditLog.targetId, r.id), sql`${auditLog.action} like 'round.%'`))
            .orderBy(asc(auditLog.id));
          const steps = chain.map((c) => c.data as { from?: string; to?: string }).filter((d) => d.from && d.to);
          for (let i = 1; i < steps.length; i++) expect(steps[i]!.from, `${after}: round ${r.index} audit chain`).toBe(steps[i - 1]!.to);
          if (steps.length) expect(steps.at(-1)!.to, `${after}: round ${r.index} ends where its audit chain does`).toBe(r.status);
        }
        return { round1: r1.status, labels: stored.length };
      } finally {
        await database.close();
      }
    };

    // Phase 1: kills while the 50 labellers work, each after a random number (5..40) of new acknowledgements.
    let kills = 0;
    let labellingDone = false;
    while (!labellingDone) {
      const target = acks.byId.size + 5 + Math.floor(random() * 36);
      let killed: Promise<void> | undefined;
      const outcome = await Promise.all(
        // Every other labeller works through the batched routes (5 tasks claimed, 5 labels sent per request).
        labellers.map((l, i) =>
          labelLoop(new ApiClient(server!.url, l.token), project.id, l, acks, () => {
            if (kills < KILLS && acks.byId.size >= target) killed ??= kill();
          }, i % 2 ? BATCH : 0),
        ),
      );
      await killed;
      if (killed) {
        kills++;
        await check(`kill ${kills} (labelling, ${acks.byId.size} acknowledged)`);
        server = await startServer(env);
      }
      labellingDone = outcome.every((o) => o === "done");
    }
    expect(acks.byId.size).toBe(tasksTotal * required);

    // Phase 2: the rest of the kills while the round aggregates, trains and evaluates, at random moments.
    while (kills < KILLS) {
      const status = (await round(1)).status as string;
      if (status === "published") break;
      await new Promise((r) => setTimeout(r, 200 + random() * 2500));
      await kill();
      kills++;
      const seen = await check(`kill ${kills} (round ${status})`);
      expect(seen.labels).toBe(tasksTotal * required);
      server = await startServer(env);
    }
    const published = await reaches(1, "published");
    console.log(`[${name}] ${kills} SIGKILLs; ${acks.byId.size} labels acknowledged, ${acks.recovered} committed before a kill and acknowledged on resubmission; round 1 published, normalised return ${Number(published.metrics.normalizedReturn).toFixed(3)}`);
    expect(kills).toBe(KILLS);
    expect(published.progress).toMatchObject({ tasksTotal, tasksDone: tasksTotal, labels: tasksTotal * required });
    await server.stop("SIGTERM");
    server = undefined;

    // Every acknowledged label reached dataset version 1, each labelled state exactly once.
    await check("the end");
    const database = await open();
    try {
      const perState = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(datasetSamples)
        .where(and(eq(datasetSamples.projectId, project.id), eq(datasetSamples.version, 1), eq(datasetSamples.source, "label")))
        .groupBy(datasetSamples.stateId);
      expect(perState).toHaveLength(tasksTotal);
      expect(perState.every((s) => s.n === 1)).toBe(true);
    } finally {
      await database.close();
    }
  }, 900_000);
});
