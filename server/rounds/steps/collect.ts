/**
 * The `collect` job. Round 0 with `scriptedDemonstrations`: the scripted expert drives the env (β = 1).
 * Later rounds: the round's policy drives it (β-mixed with the expert), every visited state is stored with
 * the policy's action and uncertainty, tasks are created, and the round moves to labeling.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { policies, rounds } from "../../../db/schema";
import { loadProjectSpec } from "../../projects/project-spec";
import { insertRollout } from "../../rollouts/insert-rollout";
import { transitionRound } from "../round-machine";
import { whileRoundIs } from "./step-transaction";
import { simulateRollouts } from "../../simulation/simulate";
import { createTasksForRound } from "../create-tasks";

const MAX_STEPS_PER_ROUND = 50_000;

export async function runCollect(db: Db, roundId: string): Promise<void> {
  const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
  if (!round || round.status !== "collecting") return;
  const spec = await loadProjectSpec(db, round.projectId);
  if (!spec.envId) return; // external projects collect through the API
  const demos = round.index === 0;
  const episodes = demos ? ((round.options as { scriptedDemonstrations?: number }).scriptedDemonstrations ?? 0) : spec.settings.rolloutEpisodes;
  if (episodes <= 0) return;
  let blob: Uint8Array | undefined;
  if (!demos) {
    if (!round.policyId) throw new Error(`round ${round.index} has no policy to roll out`);
    const [p] = await db.select({ blob: policies.blob }).from(policies).where(eq(policies.id, round.policyId));
    if (!p) throw new Error("the round's policy was deleted");
    blob = new Uint8Array(p.blob);
  }
  // Seeds differ per round so each round visits new states; demonstrations start at seed 0.
  const trajectories = await simulateRollouts({
    kind: "rollout",
    envId: spec.envId,
    ...(blob ? { blob } : {}),
    episodes,
    firstSeed: demos ? 0 : 1000 * round.index,
    beta: demos ? 1 : round.beta,
    maxTotalSteps: MAX_STEPS_PER_ROUND,
  });

  await whileRoundIs(db, roundId, "collecting", async (tx, emit, current) => {
    for (const tr of trajectories) {
      const rolloutId = await insertRollout(tx, {
        projectId: round.projectId,
        roundId: round.id,
        policyId: round.policyId,
        source: demos ? "expert" : "policy",
        seed: tr.seed,
        meta: { return: tr.return, success: tr.success, beta: current.beta },
        steps: tr.steps.map((s) => ({ observation: s.observation, envState: s.state, action: s.action, policyAction: s.policyAction, uncertainty: demos ? null : s.uncertainty, reward: s.reward })),
      });
      emit({ type: "rollout:added", projectId: round.projectId, roundIndex: round.index, rolloutId, source: demos ? "expert" : "policy", length: tr.length });
    }
    const created = demos ? 0 : await createTasksForRound(tx, current, spec);
    const to = created > 0 ? "labeling" : "aggregating";
    emit((await transitionRound(tx, current, to, { reason: `${trajectories.length} rollouts, ${created} tasks` })).event);
  });
}
