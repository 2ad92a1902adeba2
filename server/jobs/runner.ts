/**
 * The job runner: claims a job (jobs/queue.ts), renews its lease while it works, dispatches it to the handler
 * for its type, and marks it done or failed. What a job *does* is not its business: the handlers, and what
 * happens to a job that failed for good, come from the caller — for rounds, server/rounds/round-runner.ts.
 * The web process runs one in-process (default); `npm run trainer` runs one in its own process.
 *
 * No idle gaps between a round's jobs: after a job the loop claims the next one at once, and a round status
 * change published in this process (the realtime bus, after its transaction committed — which is when the
 * new state's job becomes visible) wakes the loop instead of leaving the job to the next poll. A runner in
 * another process (`npm run trainer`) still finds jobs by polling.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client";
import type { ProjectEvent } from "../../contracts/realtime";
import type { Job } from "../../db/schema";
import { realtimeBus } from "../realtime/bus";
import { JOB_TYPES, claimJob, completeJob, failJob, renewLease, type JobType } from "./queue";

/** What a handler gets besides the job: a lease renewal that also stores its progress (long jobs call it). */
export interface JobContext {
  heartbeat: (progress: unknown) => Promise<void>;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<void>;

/** What the runner dispatches to: one handler per job type, and the hooks around a failure. */
export interface JobDispatch {
  handlers: Record<JobType, JobHandler>;
  /** The job failed for good (attempts exhausted, or its worker died on the last one). */
  giveUp: (job: Job, error: string) => Promise<void>;
  /** After any failed attempt (e.g. restart a worker thread the job may have wedged). */
  afterFailure?: (job: Job) => Promise<void>;
  /** When the runner stops (e.g. terminate that worker thread). */
  stop?: () => Promise<void>;
}

export interface JobRunnerOptions {
  types?: readonly JobType[];
  pollMs?: number;
  leaseMs?: number;
  /** Per-job time limit; a job running longer is failed (and retried while attempts remain). */
  jobTimeoutMs?: number;
  log?: (line: string) => void;
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
  private readonly opts: Required<JobRunnerOptions>;

  constructor(
    protected readonly db: Db,
    private readonly dispatch: JobDispatch,
    options: JobRunnerOptions = {},
  ) {
    this.opts = {
      types: options.types ?? JOB_TYPES,
      pollMs: options.pollMs ?? 500,
      leaseMs: options.leaseMs ?? 30_000,
      jobTimeoutMs: options.jobTimeoutMs ?? 15 * 60_000,
      log: options.log ?? ((l) => console.log(l)),
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
    await this.dispatch.stop?.();
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
    for (const dead of exhausted) await this.dispatch.giveUp(dead, dead.error ?? "the worker running this job stopped responding");
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
      await this.dispatch.afterFailure?.(job);
      const status = await failJob(this.db, job, this.workerId, message);
      if (status === "failed") await this.dispatch.giveUp(job, message);
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  private handle(job: Job): Promise<void> {
    const handler = this.dispatch.handlers[job.type as JobType];
    if (!handler) throw new Error(`unknown job type ${job.type}`);
    return handler(job, { heartbeat: async (progress) => void (await renewLease(this.db, job.id, this.workerId, this.opts.leaseMs, progress)) });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
