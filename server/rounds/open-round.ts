/**
 * `openRound` is the one way a round comes into being, whichever path creates it: a lead starting the next
 * round (start-round.ts), the first demonstrations of a project (add-demonstrations.ts), or a dataset import
 * (import-dataset.ts). It runs inside the caller's transaction, after the caller has checked that a round may
 * be opened (and locked what serialises that check); it inserts the round, writes its `round.started` audit
 * entry, enqueues the collect job where the server collects, and returns the realtime event to publish after
 * commit. What happens next is the state machine's (round-machine.ts).
 */
import type { ProjectEvent } from "../../contracts/realtime";
import type { Tx } from "../../db/tx";
import { auditLog, rounds, type Round } from "../../db/schema";
import { enqueueJob } from "../jobs/queue";
import { STEPS } from "./round-machine";

export interface OpenRound {
  projectId: string;
  index: number;
  /**
   * `collecting` for every round but an import, which opens in `aggregating` while its samples are staged
   * (nothing runs the aggregate step on it; import-dataset.ts moves it on to training itself).
   */
  status: "collecting" | "aggregating";
  /** The published policy the round rolls out (null for round 0, or none yet). */
  policyId?: string | null;
  beta: number;
  options?: Record<string, unknown>;
  /** The `round.started` audit entry; null when the caller writes it later (an import, once it is visible). */
  audit: { actorId: string; data: Record<string, unknown> } | null;
  /** The server collects this round's rollouts or demonstrations (the collect step's job). */
  collect?: boolean;
}

export async function openRound(tx: Tx, open: OpenRound): Promise<{ round: Round; event: ProjectEvent }> {
  const { projectId, index, status } = open;
  const [round] = await tx
    .insert(rounds)
    .values({ projectId, index, status, policyId: open.policyId ?? null, beta: open.beta, ...(open.options ? { options: open.options } : {}) })
    .returning();
  if (!round) throw new Error("round insert returned nothing");
  if (open.audit) {
    await tx.insert(auditLog).values({ projectId, actorId: open.audit.actorId, action: "round.started", targetType: "round", targetId: round.id, data: open.audit.data });
  }
  const job = STEPS.collecting.job;
  if (open.collect && status === "collecting" && job) await enqueueJob(tx, job, { projectId, roundId: round.id });
  return { round, event: { type: "round:status", projectId, roundIndex: index, status } };
}
