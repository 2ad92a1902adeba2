/**
 * Lead-only: settles one review item. `accept` stores the lead's action with `reviewer_id` set and
 * `dataset_version` null, so the next round's aggregation adds it to the dataset (source `review`);
 * `exclude` keeps the state out of every dataset. One transaction with its audit entry; a second decision on
 * the same item is a CONFLICT.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { ZReviewDecision, type TReviewResult } from "../../contracts/review";
import type { Db } from "../../db/client";
import { aggregatedLabels, auditLog, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { checkAction } from "../rollouts/validate-steps";

export async function decideReview(db: Db, caller: Caller, projectId: string, itemId: string, input: unknown): Promise<TReviewResult> {
  await authorizeProject(db, caller, projectId, "lead");
  if (!z.uuid().safeParse(itemId).success) throw notFound("Review item not found");
  const decision = ZReviewDecision.parse(input);
  const spec = await loadProjectSpec(db, projectId);
  if (decision.decision === "accept") checkAction(spec.actionSpace, decision.action, "action");
  return db.transaction(async (tx) => {
    const [item] = await tx
      .select({ id: aggregatedLabels.id, status: aggregatedLabels.status, stateId: aggregatedLabels.stateId, roundIndex: rounds.index, agreement: aggregatedLabels.agreement, reason: aggregatedLabels.reason })
      .from(aggregatedLabels)
      .innerJoin(rounds, eq(rounds.id, aggregatedLabels.roundId))
      .where(and(eq(aggregatedLabels.id, itemId), eq(rounds.projectId, projectId)))
      .for("update");
    if (!item) throw notFound("Review item not found");
    if (item.status !== "review") throw new AppError("CONFLICT", `This state was already decided (${item.status})`);
    const status = decision.decision === "accept" ? "accepted" : "excluded";
    const actions = decision.decision === "accept" ? [decision.action] : [];
    const [updated] = await tx
      .update(aggregatedLabels)
      .set({ status, actions, reviewerId: caller.id, reason: `review: ${decision.decision}${decision.note ? ` — ${decision.note}` : ""}`, datasetVersion: null })
      .where(and(eq(aggregatedLabels.id, itemId), eq(aggregatedLabels.status, "review")))
      .returning({ id: aggregatedLabels.id });
    if (!updated) throw new AppError("CONFLICT", "This state was decided while this request ran");
    await tx.insert(auditLog).values({
      projectId,
      actorId: caller.id,
      action: decision.decision === "accept" ? "review.accepted" : "review.excluded",
      targetType: "state",
      targetId: item.stateId,
      data: { itemId, roundIndex: item.roundIndex, previousReason: item.reason, agreement: item.agreement, ...(decision.decision === "accept" ? { action: decision.action } : {}), ...(decision.note ? { note: decision.note } : {}) },
    });
    return { id: itemId, status, actions, reviewerId: caller.id };
  });
}
