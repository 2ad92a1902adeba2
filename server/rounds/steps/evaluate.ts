/**
 * The `evaluate` job: the new policy runs seeded episodes on the built-in env (external projects skip
 * this, or — with `clientEvaluation` — leave the round waiting for their client's evaluation), its metrics are stored, and it is published: every client is told. The round is done — or, when
 * the project fine-tunes with RL from this round on (`settings.rlFineTune`), it moves on to `finetuning`.
 */
import { eq, sql } from "drizzle-orm";
import { EVAL_FIRST_SEED } from "../../../contracts/policies";
import type { Db } from "../../../db/client";
import { policies, rounds } from "../../../db/schema";
import { policyPublished } from "../../policies/store-policy-version";
import { loadProjectSpec } from "../../projects/project-spec";
import { transitionRound } from "../round-machine";
import { whileRoundIs } from "./step-transaction";
import { simulateEvaluation } from "../../simulation/simulate";

export async function runEvaluate(db: Db, roundId: string): Promise<void> {
  const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
  if (!round || round.status !== "evaluating" || !round.resultPolicyId) return;
  const spec = await loadProjectSpec(db, round.projectId);
  // An external project that evaluates in its client: the round waits here for POST …/evaluations (add-evaluation.ts).
  if (!spec.envId && spec.settings.clientEvaluation) return;
  const [policy] = await db.select().from(policies).where(eq(policies.id, round.resultPolicyId));
  if (!policy) throw new Error("the round's trained policy is missing");
  const metrics = spec.envId
    ? await simulateEvaluation({ kind: "evaluate", envId: spec.envId, blob: new Uint8Array(policy.blob), episodes: spec.settings.evalEpisodes, firstSeed: EVAL_FIRST_SEED })
    : null;

  await whileRoundIs(db, roundId, "evaluating", async (tx, emit, current) => {
    await tx.update(policies).set({ metrics, publishedAt: sql`now()` }).where(eq(policies.id, policy.id));
    const rl = spec.settings.rlFineTune;
    const next = spec.envId && rl && round.index >= rl.afterRound ? "finetuning" : "published";
    emit((await transitionRound(tx, current, next, { set: { metrics } })).event);
    emit(policyPublished(round, policy, metrics));
  });
}
