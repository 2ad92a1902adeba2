/**
 * The `finetune` job ("fine-tune with RL after round N", `settings.rlFineTune`): the round's imitation
 * policy — already evaluated and published by the `evaluate` job — is fine-tuned by REINFORCE in the
 * trainer's worker thread, evaluated on the same seeded episodes, and stored as a new policy version
 * (`kind: rl-finetune`, `parent_id` = the imitation policy, both metrics). With `publish: "if-better"` it is
 * published only when its mean evaluation return beats the imitation policy's, so the next round rolls out
 * whichever of the two is better; otherwise it stays a candidate the lead can publish from the policies page.
 *
 * Idempotent like the other jobs: nothing is written until the one transaction that stores the version and
 * moves the round `finetuning → published`; a retried job that finds the round elsewhere does nothing.
 */
import { eq, sql } from "drizzle-orm";
import { EVAL_FIRST_SEED, type TPolicyMetrics } from "../../../contracts/policies";
import type { TRlFineTune } from "../../../contracts/settings";
import type { Db } from "../../../db/client";
import { auditLog, policies, rounds } from "../../../db/schema";
import type { ReinforceProgress, TReinforceOptionsInput } from "../../../contracts/trainer-protocol";
import { rlFineTuneProblem } from "../../projects/check-rl-fine-tune";
import { loadProjectSpec } from "../../projects/project-spec";
import { policyPublished, storeRoundPolicy } from "../../policies/store-policy-version";
import { publish } from "../../realtime/bus";
import { transitionRound } from "../round-machine";
import { progressThrottle, whileRoundIs } from "./step-transaction";
import { simulateEvaluation } from "../../simulation/simulate";
import type { TrainDeps } from "./train";

/** The trainer options a project's `rlFineTune` setting stands for. */
export function reinforceOptions(rl: TRlFineTune, seed: number): TReinforceOptionsInput {
  return {
    iterations: rl.iterations,
    episodesPerIteration: rl.episodesPerIteration,
    learningRate: rl.learningRate,
    baseline: rl.baseline,
    // A fresh value network's advantages are mostly noise: fit it alone for the first quarter (≤ 5 iterations).
    valueWarmupIterations: rl.baseline === "value" ? Math.min(5, Math.floor(rl.iterations / 4)) : 0,
    entropyCoef: rl.entropyCoef,
    gamma: rl.gamma,
    maxTrainMs: rl.maxMinutes * 60_000,
    // The job evaluates on the project's own seeded episodes (the imitation policy's), not the trainer's default.
    evalEpisodes: 0,
    seed,
  };
}

export async function runFinetune(db: Db, roundId: string, deps: TrainDeps): Promise<void> {
  const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
  if (!round || round.status !== "finetuning" || !round.resultPolicyId) return;
  const spec = await loadProjectSpec(db, round.projectId);
  const rl = spec.settings.rlFineTune;
  const [parent] = await db.select().from(policies).where(eq(policies.id, round.resultPolicyId));
  if (!parent) throw new Error("the round's imitation policy is missing");

  if (!rl) {
    // The lead turned the option off while the round was waiting: finish the round without a fine-tune.
    await whileRoundIs(db, roundId, "finetuning", async (tx, emit, current) => {
      emit((await transitionRound(tx, current, "published", { reason: "RL fine-tuning was turned off" })).event);
    });
    return;
  }
  const problem = rlFineTuneProblem(spec);
  if (problem || !spec.envId) throw new Error(problem ?? "RL fine-tuning needs a built-in environment");
  const envId = spec.envId;
  const imitation = parent.metrics as TPolicyMetrics | null;
  if (typeof imitation?.meanReturn !== "number") throw new Error(`policy v${parent.version} has no evaluation to compare with`);

  const due = progressThrottle();
  const onProgress = (p: ReinforceProgress) => {
    if (!due(p.iteration === p.iterations)) return;
    const finetune = { iteration: p.iteration, iterations: p.iterations, meanReturn: p.meanReturn, episodes: p.iteration * rl.episodesPerIteration };
    publish([{ type: "finetune:progress", projectId: round.projectId, roundIndex: round.index, ...finetune }]);
    void db.update(rounds).set({ progress: sql`${rounds.progress} || ${JSON.stringify({ finetune })}::jsonb` }).where(eq(rounds.id, roundId)).catch(() => {});
    void deps.heartbeat({ finetune }).catch(() => {});
  };
  const trainer = await deps.trainer();
  const options = reinforceOptions(rl, round.index);
  const result = await trainer.reinforce(new Uint8Array(parent.blob), envId, options, { onProgress }).result;
  const metrics = await simulateEvaluation({ kind: "evaluate", envId, blob: result.blob, episodes: spec.settings.evalEpisodes, firstSeed: EVAL_FIRST_SEED });
  const better = metrics.meanReturn > imitation.meanReturn;
  const publishIt = rl.publish === "if-better" && better;

  await whileRoundIs(db, roundId, "finetuning", async (tx, emit, current) => {
    const policy = await storeRoundPolicy(tx, round, {
      head: parent.head,
      kind: "rl-finetune",
      parentId: parent.id,
      blob: Buffer.from(result.blob),
      metrics,
      publishedAt: publishIt ? sql`now()` : null,
      training: {
        method: "reinforce",
        backend: result.backend.name,
        parentVersion: parent.version,
        iterationsRun: result.iterationsRun,
        episodes: result.episodes,
        steps: result.steps,
        stopReason: result.stopReason,
        options: { ...rl, valueWarmupIterations: options.valueWarmupIterations },
        firstReturn: result.curve[0]?.meanReturn ?? null,
        lastReturn: result.curve.at(-1)?.meanReturn ?? null,
        timings: result.timings,
        rlCurve: result.curve.map((c) => ({ iteration: c.iteration, meanReturn: c.meanReturn, meanNll: c.meanNll, valueLoss: c.valueLoss })),
      },
    });
    const comparison = { imitationVersion: parent.version, imitationReturn: imitation.meanReturn, version: policy.version, fineTunedReturn: metrics.meanReturn, published: publishIt };
    await tx.insert(auditLog).values({
      projectId: round.projectId,
      actorId: null,
      action: "policy.rl_finetuned",
      targetType: "policy",
      targetId: policy.id,
      data: { roundIndex: round.index, ...comparison, episodes: result.episodes, stopReason: result.stopReason },
    });
    const progress = { ...(current.progress as Record<string, unknown>), finetune: { ...comparison, done: true, episodes: result.episodes, trainMs: result.timings.totalMs } };
    emit((await transitionRound(tx, current, "published", { set: { progress: sql`${JSON.stringify(progress)}::jsonb` as never } })).event);
    if (publishIt) emit(policyPublished(round, policy, metrics));
  });
}
