/**
 * The round state machine: collecting → labeling → aggregating → training → evaluating → published, and
 * `failed` from any working state (with the error kept and a retry back to where it failed). With the
 * project option `rlFineTune` a round ≥ N goes evaluating → finetuning → published: evaluating publishes
 * the imitation policy, finetuning adds the REINFORCE version (and publishes it only if it evaluates better).
 *
 * `transitionRound` is the only code that changes a round's status. It runs inside the caller's
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

/** The job that does a state's work when the round enters it (collecting's job depends on the round). */
export const JOB_FOR_STATUS: Partial<Record<RoundStatus, JobType>> = {
  aggregating: "aggregate",
  training: "train",
  evaluating: "evaluate",
  finetuning: "finetune",
};

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
  const job = JOB_FOR_STATUS[to];
  if (job && opts.enqueue !== false) await enqueueJob(tx, job, { projectId: round.projectId, roundId: round.id });
  return {
    round: updated,
    event: { type: "round:status", projectId: round.projectId, roundIndex: round.index, status: to, error: updated.error },
  };
}
