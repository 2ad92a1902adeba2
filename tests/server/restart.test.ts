/**
 * Crash safety of the round loop: the real server is killed with SIGKILL while labellers are labelling
 * and again while the round trains, on embedded PGlite (the data directory survives) and on PostgreSQL.
 * After each restart on the same data the round must go on by itself to `published`, and every label
 * the server acknowledged (201, or 200 for a resubmission) must be in the labels table exactly once and
 * in the round's dataset version. Labellers that lost their connection resubmit their in-flight label
 * with the same UUID, as the browser client does; a task leased by a claim whose answer was lost comes
 * back to the same labeller.
 *
 * JOB_LEASE_MS is shortened so the train job that died with the server is taken up again after 3 s
 * instead of 30 s. The database is inspected directly only once the server process is dead.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { aggregatedLabels, datasetSamples, jobs, labels, rounds, tasks } from "../../db/schema";
import { createExpert } from "../../envs/index";
import { ApiClient, waitFor } from "../helpers/api-client";
import { labelLoop, type Acks, type Labeller } from "../helpers/crash-labeller";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { startServer, type ServerProcess } from "../helpers/server-process";

const ENV_ID = "CartPole-v1";
const STATES = 60;
const REQUIRED = 2;
/** Long enough (small batches, wide layers) that the test sees training progress before it ends. */
const SETTINGS = { statesPerRound: STATES, labelsPerState: REQUIRED, rolloutEpisodes: 2, evalEpisodes: 2, selection: "uniform", epochs: 300, batchSize: 8, hiddenUnits: [128, 128] };

const ENGINES = [
  { name: "pglite", enabled: true },
  { name: "postgres", enabled: POSTGRES_OK },
] as const;

describe.each(ENGINES)("SIGKILL during a round [$name]", ({ name, enabled }) => {
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await drop?.();
  });

  it.skipIf(!enabled)("loses no acknowledged label and completes the round after kills during labelling and training", async () => {
    let env: Record<string, string>;
    let dataDir: string | undefined;
    let url: string | undefined;
    if (name === "postgres") {
      const scratch = await createScratchPostgres();
      drop = scratch.drop;
      url = scratch.url;
      env = { DATABASE_URL: url, NEXTAUTH_SECRET: "integration-secret-0123456789", JOB_LEASE_MS: "3000" };
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-restart-"));
      env = { DATA_DIR: dataDir, JOB_LEASE_MS: "3000" };
    }
    /** SIGKILL is sent synchronously; the promise resolves once the process is gone. */
    const kill = async () => {
      const s = server!;
      await s.stop("SIGKILL");
      expect(s.proc.signalCode).toBe("SIGKILL");
    };
    server = await startServer(env);

    const stamp = `${name}-${Date.now()}`;
    const lead = await ApiClient.signUpAndLogin(server.url, "Lead", `lead-${stamp}@example.test`);
    const project = await lead.ok("POST", "/api/v1/projects", { name: `restart ${name}`, envId: ENV_ID, settings: SETTINGS });
    const labellers: Labeller[] = [];
    for (let i = 0; i < 3; i++) {
      const api = await ApiClient.signUpAndLogin(server.url, `Labeller ${i}`, `labeller${i}-${stamp}@example.test`);
      const me = await api.ok("GET", "/api/v1/me");
      await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: me.email, role: "labeler" });
      labellers.push({ token: api.token!, expert: createExpert(ENV_ID, { seed: i }) });
    }
    const asLead = () => new ApiClient(server!.url, lead.token);
    const round = (index: number) => asLead().ok("GET", `/api/v1/projects/${project.id}/rounds/${index}`);
    const reaches = (index: number, status: string, timeoutMs = 180_000) =>
      waitFor(`round ${index} ${status}`, async () => {
        const r = await round(index);
        if (r.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
        return r.status === status ? r : null;
      }, timeoutMs);

    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
    await reaches(0, "published");
    await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
    await reaches(1, "labeling");

    // 1. Kill while three labellers are at work: right after the 40th acknowledged label (of 120).
    const acks: Acks = { byId: new Map(), recovered: 0 };
    const KILL_AT = 40;
    let killed: Promise<void> | undefined;
    const first = await Promise.all(
      labellers.map((l) => labelLoop(new ApiClient(server!.url, l.token), project.id, l, acks, () => {
        if (acks.byId.size >= KILL_AT) killed ??= kill();
      })),
    );
    await killed;
    expect(first).toEqual(["lost", "lost", "lost"]);
    const ackedBeforeKill = acks.byId.size;
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(KILL_AT);
    expect(ackedBeforeKill).toBeLessThan(STATES * REQUIRED);

    // 2. Restart on the same data; the labellers resubmit what was in flight and finish the round.
    server = await startServer(env);
    expect((await round(1)).status).toBe("labeling");
    const second = await Promise.all(labellers.map((l) => labelLoop(new ApiClient(server!.url, l.token), project.id, l, acks)));
    expect(second).toEqual(["done", "done", "done"]);
    expect(acks.byId.size).toBe(STATES * REQUIRED);

    // 3. Kill while the train job is running (its progress is visible), then restart: the job's lease
    //    runs out and another attempt trains, evaluates and publishes.
    const training = await waitFor("training progress", async () => {
      const r = await round(1);
      if (r.status === "evaluating" || r.status === "published") throw new Error("training ended before it could be interrupted; make it longer");
      return r.status === "training" && (r.progress.training?.epoch ?? 0) >= 1 ? r : null;
    }, 180_000, 50);
    await kill();
    server = await startServer(env);
    const published = await reaches(1, "published");
    console.log(`[${name}] killed after ${ackedBeforeKill} acknowledged labels and at training epoch ${training.progress.training.epoch}; ${acks.recovered} in-flight labels had been committed unacknowledged; round 1 published with ${published.progress.labels} labels, normalised return ${published.metrics.normalizedReturn.toFixed(3)}`);
    expect(published.progress).toMatchObject({ tasksTotal: STATES, tasksDone: STATES, labels: STATES * REQUIRED });
    await server.stop("SIGTERM");
    server = undefined;

    // 4. The database, read directly now that no server holds it.
    const database = await openDatabase(url ? { url, poolSize: 2 } : { dataDir: dataDir! });
    try {
      const db = database.db;
      const [r1] = await db.select().from(rounds).where(and(eq(rounds.projectId, project.id), eq(rounds.index, 1)));
      expect(r1?.status).toBe("published");
      const roundTasks = await db.select().from(tasks).where(eq(tasks.roundId, r1!.id));
      const stored = await db.select().from(labels).where(inArray(labels.taskId, roundTasks.map((t) => t.id)));
      // Every acknowledged label exactly once, on the task it was sent for — and nothing else.
      expect(stored).toHaveLength(acks.byId.size);
      for (const l of stored) expect(acks.byId.get(l.id)).toBe(l.taskId);
      for (const t of roundTasks) expect(t.labelCount).toBe(stored.filter((l) => l.taskId === t.id).length);
      // Every labelled state made it into dataset version 1 (the labellers agree: each one is accepted).
      const agg = await db.select().from(aggregatedLabels).where(eq(aggregatedLabels.roundId, r1!.id));
      expect(agg).toHaveLength(STATES);
      expect(agg.every((a) => a.status === "accepted" && a.labelCount === REQUIRED && a.datasetVersion === 1)).toBe(true);
      const samples = await db
        .select({ stateId: datasetSamples.stateId, n: sql<number>`count(*)::int` })
        .from(datasetSamples)
        .where(and(eq(datasetSamples.projectId, project.id), eq(datasetSamples.version, 1), eq(datasetSamples.source, "label")))
        .groupBy(datasetSamples.stateId);
      const perState = new Map(samples.map((s) => [s.stateId, s.n]));
      for (const l of stored) expect(perState.get(l.stateId)).toBe(1);
      expect(perState.size).toBe(STATES);
      // No job is left behind; the train job of round 1 ran again after the kill.
      const roundJobs = await db.select().from(jobs).where(eq(jobs.projectId, project.id));
      expect(roundJobs.filter((j) => j.status !== "done")).toEqual([]);
      const train = roundJobs.filter((j) => j.roundId === r1!.id && j.type === "train");
      expect(train).toHaveLength(1);
      expect(train[0]!.attempts).toBe(2);
    } finally {
      await database.close();
    }
  }, 600_000);
});
