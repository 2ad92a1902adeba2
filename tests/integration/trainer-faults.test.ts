/**
 * Trainer faults, with the real job runner and trainer worker thread on both engines (round 0 of a CartPole-v1
 * project, behaviour cloning on one scripted demonstration):
 *   - the trainer worker dies mid-job → the train job fails, is retried on a fresh worker, and the round publishes;
 *   - the train job throws (a corrupted dataset sample) → retried until its attempts are used up, then the round
 *     is `failed` with the readable error; once the data is repaired, retry publishes it;
 *   - the train job runs past its time limit → the same: `failed` with the limit named, and retry (with a
 *     runner whose limit is long enough) publishes it.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { datasetSamples, jobs, rounds } from "../../db/schema";
import { createProject } from "../../server/projects/create-project";
import { retryRound } from "../../server/rounds/retry-round";
import { startRound } from "../../server/rounds/start-round";
import type { TrainerWorker } from "../../trainer/worker/client";
import { describeEngines, type EngineHandle } from "../helpers/engines";
import { useJobRunners } from "../helpers/job-runners";
import { makeUser } from "../helpers/fixtures";

const LONG = { epochs: 300, batchSize: 8, hiddenUnits: [128, 128], evalEpisodes: 2 };
const SHORT = { epochs: 5, batchSize: 64, hiddenUnits: [16], evalEpisodes: 2 };

describeEngines("trainer faults", (h: EngineHandle) => {
  const runner = useJobRunners(h);

  async function roundZero(settings: Record<string, unknown>) {
    const db = h.database.db;
    const lead = await makeUser(db, "Lead");
    const project = await createProject(db, lead, { name: "faults", envId: "CartPole-v1", settings });
    await startRound(db, lead, project.id, { scriptedDemonstrations: 1 });
    const [round] = await db.select().from(rounds).where(and(eq(rounds.projectId, project.id), eq(rounds.index, 0)));
    const get = async () => (await db.select().from(rounds).where(eq(rounds.id, round!.id)))[0]!;
    const until = async <T>(what: string, fn: (r: typeof round & object) => T | false, timeoutMs = 120_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await get();
        const v = fn(r);
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; round is ${r.status} ${r.error ?? ""}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    const trainJobs = () => db.select().from(jobs).where(and(eq(jobs.roundId, round!.id), eq(jobs.type, "train"))).orderBy(asc(jobs.createdAt));
    return { lead, projectId: project.id, roundId: round!.id, get, until, trainJobs };
  }

  it("a trainer worker that dies mid-job: the job is retried on a fresh worker and the round publishes", async () => {
    const r0 = await roundZero(LONG);
    const jobRunner = runner();
    await r0.until("training progress", (r) => r.status === "training" && ((r.progress as { training?: { epoch: number } }).training?.epoch ?? 0) >= 1);
    // The worker thread dies (as on an out-of-memory crash): the runner only sees its job fail.
    const worker = await (jobRunner as unknown as { trainer: Promise<TrainerWorker> }).trainer;
    await worker.terminate();
    await r0.until("published", (r) => r.status === "published", 240_000);
    const trainJobs = await r0.trainJobs();
    expect(trainJobs).toHaveLength(1);
    expect(trainJobs[0]).toMatchObject({ status: "done", attempts: 2 });
  }, 300_000);

  it("a train job that throws: retried, then the round fails with the readable error, and retry publishes it once repaired", async () => {
    const r0 = await roundZero(SHORT);
    const db = h.database.db;
    // Corrupt one sample of dataset v0 once round 0 has collected and aggregated it (training waits).
    const jobRunner = runner({ types: ["collect", "aggregate"] });
    await r0.until("dataset v0 written", (r) => r.status === "training");
    await jobRunner.stop();
    const [victim] = await db.select({ id: datasetSamples.id, observation: datasetSamples.observation }).from(datasetSamples).where(eq(datasetSamples.projectId, r0.projectId)).orderBy(sql`${datasetSamples.id} desc`).limit(1);
    await db.update(datasetSamples).set({ observation: [0.5, -0.5] }).where(eq(datasetSamples.id, victim!.id));

    runner();
    const failed = await r0.until("failed", (r) => (r.status === "failed" ? r : false), 120_000);
    expect(failed.failedFrom).toBe("training");
    expect(failed.error).toMatch(/^train: makeDataset: observation \d+ has 2 elements, expected 4$/);
    const [job] = await r0.trainJobs();
    expect(job).toMatchObject({ status: "failed", attempts: 3, maxAttempts: 3 });

    await db.update(datasetSamples).set({ observation: victim!.observation }).where(eq(datasetSamples.id, victim!.id));
    const retried = await retryRound(db, r0.lead, r0.projectId, 0);
    expect(retried.status).toBe("training");
    await r0.until("published after retry", (r) => r.status === "published", 120_000);
  }, 300_000);

  it("a train job past its time limit: the round fails naming the limit, and retry with a longer limit publishes it", async () => {
    const r0 = await roundZero(LONG);
    const tight = runner({ jobTimeoutMs: 1_500 });
    const failed = await r0.until("failed", (r) => (r.status === "failed" ? r : false), 180_000);
    expect(failed.error).toBe("train: train job ran past its 2 s limit");
    await tight.stop();
    const [job] = await r0.trainJobs();
    expect(job).toMatchObject({ status: "failed", attempts: 3 });

    runner();
    await retryRound(h.database.db, r0.lead, r0.projectId, 0);
    await r0.until("published after retry", (r) => r.status === "published", 240_000);
  }, 300_000);
});
