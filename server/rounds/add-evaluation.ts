/**
 * A client's evaluation of a policy version on its own robot or simulator (external projects): the episodes'
 * returns, successes and lengths become the version's metrics and its round's point on the learning curve.
 *
 * With the project setting `clientEvaluation`, a round whose trained policy is this version waits in
 * `evaluating` for this call, and it decides publication like the built-in "published if better": the version
 * is published when it has no published predecessor with metrics or its mean return beats the current one's;
 * otherwise it stays a candidate (the lead may still publish it) and the next round rolls out the current one.
 * Either way the round is then `published` (done). Later evaluations of the same version replace its metrics.
 */
import { and, eq, sql } from "drizzle-orm";
import type { TEvaluationResult, TPolicyMetrics } from "../../contracts/policies";
import { ZPostEvaluation, type TPostEvaluation } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { auditLog, policies, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { transactionWithEvents } from "../realtime/with-events";
import { transitionRound } from "./round-machine";
import { isPublishedIn, LATEST_PUBLISHED_FIRST } from "../policies/latest-published";
import { policyPublished } from "../policies/store-policy-version";

export function evaluationMetrics(body: TPostEvaluation): TEvaluationResult["metrics"] {
  const n = body.episodes.length;
  const meanReturn = body.episodes.reduce((a, e) => a + e.return, 0) / n;
  const withSuccess = body.episodes.filter((e) => e.success !== undefined);
  const range = body.returnRange;
  return {
    meanReturn,
    successRate: withSuccess.length ? withSuccess.filter((e) => e.success).length / withSuccess.length : null,
    normalizedReturn: range ? (meanReturn - range[0]) / (range[1] - range[0]) : null,
    episodes: n,
    source: "client",
  };
}

export async function addEvaluation(db: Db, caller: Caller, projectId: string, version: number, input: unknown): Promise<TEvaluationResult> {
  await authorizeProject(db, caller, projectId, "lead");
  if (!Number.isInteger(version) || version < 1) throw notFound("Policy version not found");
  const body = ZPostEvaluation.parse(input);
  const metrics = evaluationMetrics(body);
  return transactionWithEvents(db, async (tx, emit) => {
    const [policy] = await tx.select().from(policies).where(and(eq(policies.projectId, projectId), eq(policies.version, version))).for("update");
    if (!policy) throw notFound("Policy version not found");
    const [current] = await tx
      .select({ id: policies.id, version: policies.version, metrics: policies.metrics })
      .from(policies)
      .where(isPublishedIn(projectId))
      .orderBy(...LATEST_PUBLISHED_FIRST)
      .limit(1);
    const [round] = await tx.select().from(rounds).where(eq(rounds.resultPolicyId, policy.id)).for("update");
    let published = false;
    let currentVersion = current?.version ?? null;
    await tx.update(policies).set({ metrics }).where(eq(policies.id, policy.id));
    if (round?.status === "evaluating") {
      const best = (current?.metrics as TPolicyMetrics | null)?.meanReturn;
      published = !current || best === undefined || metrics.meanReturn > best;
      if (published) {
        await tx.update(policies).set({ publishedAt: sql`now()` }).where(eq(policies.id, policy.id));
        currentVersion = policy.version;
      }
      emit((await transitionRound(tx, round, "published", { actorId: caller.id, set: { metrics }, reason: published ? "client evaluation: published" : `client evaluation: not better than v${current?.version}` })).event);
      if (published) emit(policyPublished(round, policy, metrics));
    } else if (round) {
      await tx.update(rounds).set({ metrics, updatedAt: sql`now()` }).where(eq(rounds.id, round.id));
    }
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "policy.evaluated", targetType: "policy", targetId: policy.id, data: { version, ...metrics, published } });
    return { version, metrics, roundIndex: round?.index ?? null, published, currentVersion };
  });
}
