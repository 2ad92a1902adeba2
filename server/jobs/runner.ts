/**
 * The job runner: polls the `jobs` table, runs one job at a time, renews its lease while it works, and
 * turns a job that failed for good into a failed round (with the error kept for the lead and a retry).
 * The web process runs one in-process (default); `npm run trainer` runs one in its own process.
 *
 * No idle gaps between a round's jobs: after a job the loop claims the next one at once, and a round status
 * change published in this process (the realtime bus, after its transaction committed — which is when the
 * new state's job becomes visible) wakes the loop instead of leaving the job to the next poll. A runner in
 * another process (`npm run trainer`) still finds jobs by polling.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { ProjectEvent } from "../../contracts/realtime";
import { rounds, type Job } from "../../db/schema";
import { TrainerWorker } from "../../trainer/worker/client";
import { realtimeBus } from "../realtime/bus";
import { transactionWithEvents } from "../realtime/with-events";
import { transitionRound } from "../rounds/round-machine";
import { runAggregation } from "../aggregation/run-aggregation";
import { runCollect } from "./handlers/collect";
import { runEvaluate } from "./handlers/evaluate";
import { runFinetune } from "./handlers/finetune";
import { runTrain } from "./handlers/train";
import { JOB_TYPES, claimJob, completeJob, failJob, renewLease, type JobType } from "./queue";

export interface JobRunnerOptions {
  types?: readonly JobType[];
  pollMs?: number;
  leaseMs?: number;
  /** Per-job time limit; a job running longer is failed (and retried while attempts remain). */
  jobTimeoutMs?: number;
  log?: (line: string) => void;
  /** Extra environment for the trainer worker (e.g. TRAINER_BACKEND). */
  trainerEnv?: Record<string, string>;
}

export class JobRunner {
  readonly workerId = `runner-${process.pid}-${randomUUID().slice(0, 8)}`;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Set by {@link poke}; a poke that lands while a tick runs skips the next wait. */
  private poked = false;
  private readonly onEvent = (e: ProjectEvent): void => {
    if (e.type === "round:status") this.poke();
  };
  private trainer: Promise<TrainerWorker> | undefined;
  private readonly opts: Required<Omit<JobRunnerOptions, "trainerEnv">> & { trainerEnv?: Record<string, string> };

  constructor(private readonly db: Db, options: JobRunnerOptions = {}) {
    this.opts = {
      types: options.types ?? JOB_TYPES,
      pollMs: options.pollMs ?? 500,
      leaseMs: options.leaseMs ?? 30_000,
      jobTimeoutMs: options.jobTimeoutMs ?? 15 * 60_000,
      log: options.log ?? ((l) => console.log(l)),
      ...(options.trainerEnv ? { trainerEnv: options.trainerEnv } : {}),
    };
  }

  start(): void {
    if (this.loop) return;
    realtimeBus().on("event", this.onEvent);
    this.loop = this.run();
  }

  /** Wakes the loop now (e.g. after enqueueing) instead of at the next poll. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    realtimeBus().off("event", this.onEvent);
    this.wake?.();
    await this.loop;
    const trainer = await this.trainer?.catch(() => undefined);
    await trainer?.terminate();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      this.poked = false;
      try {
        worked = await this.tick();
      } catch (err) {
        this.opts.log(`[jobs] ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!worked && !this.stopped && !this.poked) await new Promise<void>((r) => {
        const timer = setTimeout(r, this.opts.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  /** Claims and runs at most one job; true if one ran. */
  async tick(): Promise<boolean> {
    const { job, exhausted } = await claimJob(this.db, this.workerId, this.opts.types, this.opts.leaseMs);
    for (const dead of exhausted) await this.giveUp(dead, dead.error ?? "the worker running this job stopped responding");
    if (!job) return exhausted.length > 0;
    const started = Date.now();
    this.opts.log(`[jobs] ${job.type} round=${job.roundId ?? "-"} attempt ${job.attempts}/${job.maxAttempts}`);
    const beat = setInterval(() => void renewLease(this.db, job.id, this.workerId, this.opts.leaseMs).catch(() => {}), this.opts.leaseMs / 3);
    try {
      await withTimeout(this.handle(job), this.opts.jobTimeoutMs, `${job.type} job ran past its ${Math.round(this.opts.jobTimeoutMs / 1000)} s limit`);
      await completeJob(this.db, job.id, this.workerId, { ms: Date.now() - started });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.opts.log(`[jobs] ${job.type} failed: ${message}`);
      if (job.type === "train" || job.type === "finetune") await this.resetTrainer();
      const status = await failJob(this.db, job, this.workerId, message);
      if (status === "failed") await this.giveUp(job, message);
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  private async handle(job: Job): Promise<void> {
    if (!job.roundId) throw new Error(`${job.type} job without a round`);
    switch (job.type as JobType) {
      case "collect":
        return runCollect(this.db, job.roundId);
      case "aggregate":
        return runAggregation(this.db, job.roundId);
      case "train":
        return runTrain(this.db, job.roundId, {
          trainer: () => this.trainerWorker(),
          heartbeat: async (progress) => void (await renewLease(this.db, job.id, this.workerId, this.opts.leaseMs, progress)),
        });
      case "evaluate":
        return runEvaluate(this.db, job.roundId);
      case "finetune":
        return runFinetune(this.db, job.roundId, {
          trainer: () => this.trainerWorker(),
          heartbeat: async (progress) => void (await renewLease(this.db, job.id, this.workerId, this.opts.leaseMs, progress)),
        });
      default:
        throw new Error(`unknown job type ${job.type}`);
    }
  }

  /** The job failed for good: its round goes to `failed` with the error kept (retry resumes it). */
  private async giveUp(job: Job, error: string): Promise<void> {
    if (!job.roundId) return;
    await transactionWithEvents(this.db, async (tx, emit) => {
      const [round] = await tx.select().from(rounds).where(eq(rounds.id, job.roundId!)).for("update");
      if (!round || round.status === "published" || round.status === "failed") return;
      emit((await transitionRound(tx, round, "failed", { error: `${job.type}: ${error}` })).event);
    });
  }

  private trainerWorker(): Promise<TrainerWorker> {
    this.trainer ??= (async () => {
      const worker = TrainerWorker.start({ ...(this.opts.trainerEnv ? { env: this.opts.trainerEnv } : {}), onLog: (l) => this.opts.log(l) });
      const backend = await worker.ready();
      this.opts.log(`[trainer] backend: ${backend.name}`);
      return worker;
    })();
    return this.trainer;
  }

  /** After a failed or timed-out training job the worker may be wedged: start a fresh one next time. */
  private async resetTrainer(): Promise<void> {
    const old = this.trainer;
    this.trainer = undefined;
    const worker = await old?.catch(() => undefined);
    await worker?.terminate().catch(() => {});
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
