/**
 * Lead-only: rolls the project back (or forward) to a policy version that was published before. The version
 * becomes the most recently published one (`published_at = now()`), which is what the next round rolls out
 * and what `policies/latest` serves. Audited; every client is told (`policy:published`). A round that is
 * in progress keeps the policy it started with, and publishes its own result when it finishes.
 * An RL fine-tuned candidate (kind `rl-finetune`, evaluated but kept unpublished because it did not beat its
 * imitation parent, or because the project publishes candidates by hand) may be published here too.
 */
import { and, eq, sql } from "drizzle-orm";
import type { TPolicyPublished } from "../../contracts/policies";
import type { Db } from "../../db/client";
import { auditLog, policies, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { transactionWithEvents } from "../realtime/with-events";
import { isPublishedIn, LATEST_PUBLISHED_FIRST } from "./latest-published";
import { policyPublished } from "./store-policy-version";

export async function publishPolicyVersion(db: Db, caller: Caller, projectId: string, version: number): Promise<TPolicyPublished> {
  await authorizeProject(db, caller, projectId, "lead");
  if (!Number.isInteger(version) || version < 1) throw notFound("Policy version not found");
  return transactionWithEvents(db, async (tx, emit) => {
    const [target] = await tx.select({ id: policies.id, version: policies.version, publishedAt: policies.publishedAt, roundId: policies.roundId, metrics: policies.metrics, kind: policies.kind }).from(policies).where(and(eq(policies.projectId, projectId), eq(policies.version, version))).for("update");
    if (!target) throw notFound("Policy version not found");
    const candidate = !target.publishedAt && target.kind === "rl-finetune" && target.metrics !== null;
    if (!target.publishedAt && !candidate) throw new AppError("CONFLICT", `Version ${version} was never published (its round did not finish evaluation); only a published version can be rolled back to`);
    const [current] = await tx
      .select({ id: policies.id, version: policies.version })
      .from(policies)
      .where(isPublishedIn(projectId))
      .orderBy(...LATEST_PUBLISHED_FIRST)
      .limit(1);
    if (current?.id === target.id) throw new AppError("CONFLICT", `Version ${version} is already the published policy`);
    const [updated] = await tx.update(policies).set({ publishedAt: sql`now()` }).where(eq(policies.id, target.id)).returning({ publishedAt: policies.publishedAt });
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: candidate ? "policy.published" : "policy.rolled_back", targetType: "policy", targetId: target.id, data: { version, previousVersion: current?.version ?? null } });
    const [round] = target.roundId ? await tx.select({ index: rounds.index }).from(rounds).where(eq(rounds.id, target.roundId)) : [];
    emit(policyPublished({ projectId, index: round?.index ?? -1 }, target, target.metrics));
    return { version, policyId: target.id, previousVersion: current?.version ?? null, publishedAt: (updated?.publishedAt ?? new Date()).toISOString() };
  });
}
