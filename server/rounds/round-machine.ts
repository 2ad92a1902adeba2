/**
 * The round state machine: collecting → labeling → aggregating → training → evaluating → published, and
 * `failed` from any working state (with the error kept and a retry back to where it failed). With the
 * project option `rlFineTune` a round ≥ N goes evaluating → finetuning → published: evaluating publishes
 * the imitation policy, finetuning adds the REINFORCE version (and publishes it only if it evaluates better).
 *
 * This file is the whole state machine: `ALLOWED` says which moves exist, `STEPS` what each working state
 * does (the step, and the job that runs it: server/rounds/steps/, dispatched by round-runner.ts), and
 * `transitionRound` is the only code that changes a round's status. Rounds are created by `openRound`
 * (open-round.ts) only. `transitionRound` runs inside the caller's
 * transaction, checks the move is allowed and that the round is still in `from` (a concurrent move makes it
 * a CONFLICT rather than a double move), writes an audit entry, enqueues the job that does the new state's
 * work, and returns the one realtime event to publish after commit.
 */
import { and, eq, sql } from "drizzle-orm";
import type { ProjectEvent } from "../../contracts/realtime";
import { auditLog, rounds, type Round, type RoundStatus } from "../../db/schema";
import { AppError } from "../errors";
import type { Tx } from "../../db/tx";
import { enqueueJob, type JobType } from "../jobs/queue";

export const ALLOWED: Record<RoundStatus, readonly RoundStatus[]> = {
  collecting: ["labeling", "aggregating", "failed"],
  labeling: ["aggregating", "failed"],
  aggregating: ["training", "failed"],
  training: ["evaluating", "failed"],
  evaluating: ["finetuning", "published", "failed"],
  finetuning: ["published", "failed"],
  published: [],
  failed: ["collecting", "labeling", "aggregating", "training", "evaluating", "finetuning"],
};

/** The states in which a round has work to do (the others are its ends). */
export type WorkingStatus = Exclude<RoundStatus, "published" | "failed">;

export interface Step {
  /** The step's name (steps/<name>.ts does it). */
  name: "collect" | "finish-labelling" | "aggregate" | "train" | "evaluate" | "finetune";
  /** The job that runs it, if it runs as a job. */
  job: JobType | null;
  /** Enqueue that job as the round enters the state (`transitionRound`). */
  onEntry: boolean;
}

/**
 * What each working state does — the step that does the state's work and moves the round on:
 * - collecting → `collect` (job): rollouts of the round's policy become states and label tasks → labeling, or
 *   round 0's scripted demonstrations → aggregating. Enqueued by `openRound` (and a retry) only where the
 *   server collects: external projects collect through the API until a lead closes the round (close-round.ts).
 * - labeling → `finish-labelling`: no job; the commit of the last label runs it (tasks/submit-label.ts), or
 *   a lead closing the round → aggregating.
 * - aggregating → `aggregate` (job): labels and demonstrations become the next dataset version → training.
 * - training → `train` (job): the dataset becomes a new policy version → evaluating.
 * - evaluating → `evaluate` (job; or a client's evaluation, add-evaluation.ts) → published, or finetuning.
 * - finetuning → `finetune` (job): REINFORCE from the imitation policy → published.
 */
export const STEPS: Record<WorkingStatus, Step> = {
  collecting: { name: "collect", job: "collect", onEntry: false },
  labeling: { name: "finish-labelling", job: null, onEntry: false },
  aggregating: { name: "aggregate", job: "aggregate", onEntry: true },
  training: { name: "train", job: "train", onEntry: true },
  evaluating: { name: "evaluate", job: "evaluate", onEntry: true },
  finetuning: { name: "finetune", job: "finetune", onEntry: true },
};

/** The step of a state, or null for the ends (published, failed). */
export function stepOf(status: RoundStatus): Step | null {
  return status === "published" || status === "failed" ? null : STEPS[status];
}

export interface TransitionOptions {
  actorId?: string | null;
  error?: string;
  reason?: string;
  /** Extra columns to set in the same update (e.g. resultPolicyId, metrics). */
  set?: Partial<Pick<Round, "resultPolicyId" | "datasetVersion" | "metrics" | "progress">>;
  /** Enqueue the new state's job (default true). */
  enqueue?: boolean;
}

export async function transitionRound(tx: Tx, round: Round, to: RoundStatus, opts: TransitionOptions = {}): Promise<{ round: Round; event: ProjectEvent }> {
  const from = round.status;
  if (!ALLOWED[from].includes(to)) {
    throw new AppError("CONFLICT", `Round ${round.index} is ${from}; it cannot move to ${to}`);
  }
  const [updated] = await tx
    .update(rounds)
    .set({
      status: to,
      error: to === "failed" ? (opts.error ?? "failed") : null,
      failedFrom: to === "failed" ? from : null,
      updatedAt: sql`now()`,
      ...opts.set,
    })
    .where(and(eq(rounds.id, round.id), eq(rounds.status, from)))
    .returning();
  if (!updated) throw new AppError("CONFLICT", `Round ${round.index} changed while this request ran (it is no longer ${from})`);
  await tx.insert(auditLog).values({
    projectId: round.projectId,
    actorId: opts.actorId ?? null,
    action: `round.${to}`,
    targetType: "round",
    targetId: round.id,
    data: { index: round.index, from, to, ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.error ? { error: opts.error } : {}) },
  });
  const step = stepOf(to);
  if (step?.job && step.onEntry && opts.enqueue !== false) await enqueueJob(tx, step.job, { projectId: round.projectId, roundId: round.id });
  return {
    round: updated,
    event: { type: "round:status", projectId: round.projectId, roundIndex: round.index, status: to, error: updated.error },
  };
}
