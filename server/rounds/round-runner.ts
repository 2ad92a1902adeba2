/**
 * The runner for rounds: the generic job runner (jobs/runner.ts: claim, lease, dispatch) given the round's
 * steps as handlers (STEPS in round-machine.ts says which state each job serves). It also owns the trainer
 * worker thread the `train` and `finetune` steps share, and turns a job that failed for good into a failed
 * round (with the error kept for the lead and a retry).
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rounds, type Job } from "../../db/schema";
import { TrainerWorker } from "../../trainer/worker/client";
import { JobRunner, type JobHandler, type JobRunnerOptions } from "../jobs/runner";
import type { JobType } from "../jobs/queue";
import { transactionWithEvents } from "../realtime/with-events";
import { transitionRound } from "./round-machine";
import { runAggregation } from "./steps/aggregate";
import { runCollect } from "./steps/collect";
import { runEvaluate } from "./steps/evaluate";
import { runFinetune } from "./steps/finetune";
import { runTrain } from "./steps/train";

export interface RoundRunnerOptions extends JobRunnerOptions {
  /** Extra environment for the trainer worker (e.g. TRAINER_BACKEND). */
  trainerEnv?: Record<string, string>;
}

export class RoundRunner extends JobRunner {
  private readonly slot: TrainerSlot;

  constructor(db: Db, options: RoundRunnerOptions = {}) {
    const { trainerEnv, ...jobOptions } = options;
    const log = options.log ?? ((l: string) => console.log(l));
    const trainer = new TrainerSlot(trainerEnv, log);
    super(
      db,
      {
        handlers: stepHandlers(db, trainer),
        giveUp: (job, error) => failRound(db, job, error),
        afterFailure: async (job) => {
          // After a failed or timed-out training job the worker may be wedged: start a fresh one next time.
          if (job.type === "train" || job.type === "finetune") await trainer.reset();
        },
        stop: () => trainer.reset(),
      },
      jobOptions,
    );
    this.slot = trainer;
  }

  /** The trainer worker thread, once started (the fault tests kill it to stand for a crash). */
  get trainer(): Promise<TrainerWorker> | undefined {
    return this.slot.current;
  }
}

/** Each job type's step (server/rounds/steps/). */
function stepHandlers(db: Db, trainer: TrainerSlot): Record<JobType, JobHandler> {
  const roundOf = (job: Job): string => {
    if (!job.roundId) throw new Error(`${job.type} job without a round`);
    return job.roundId;
  };
  return {
    collect: (job) => runCollect(db, roundOf(job)),
    aggregate: (job) => runAggregation(db, roundOf(job)),
    train: (job, ctx) => runTrain(db, roundOf(job), { trainer: () => trainer.get(), heartbeat: ctx.heartbeat }),
    evaluate: (job) => runEvaluate(db, roundOf(job)),
    finetune: (job, ctx) => runFinetune(db, roundOf(job), { trainer: () => trainer.get(), heartbeat: ctx.heartbeat }),
  };
}

/** The job failed for good: its round goes to `failed` with the error kept (retry resumes it). */
async function failRound(db: Db, job: Job, error: string): Promise<void> {
  if (!job.roundId) return;
  await transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, job.roundId!)).for("update");
    if (!round || round.status === "published" || round.status === "failed") return;
    emit((await transitionRound(tx, round, "failed", { error: `${job.type}: ${error}` })).event);
  });
}

/** The trainer worker thread, started on first use and replaced after a failure. */
class TrainerSlot {
  private worker: Promise<TrainerWorker> | undefined;

  constructor(
    private readonly env: Record<string, string> | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get current(): Promise<TrainerWorker> | undefined {
    return this.worker;
  }

  get(): Promise<TrainerWorker> {
    this.worker ??= (async () => {
      const worker = TrainerWorker.start({ ...(this.env ? { env: this.env } : {}), onLog: (l) => this.log(l) });
      const backend = await worker.ready();
      this.log(`[trainer] backend: ${backend.name}`);
      return worker;
    })();
    return this.worker;
  }

  async reset(): Promise<void> {
    const old = this.worker;
    this.worker = undefined;
    const worker = await old?.catch(() => undefined);
    await worker?.terminate().catch(() => {});
  }
}
