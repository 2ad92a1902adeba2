import { and, desc, eq, inArray } from "drizzle-orm";
import { ZExternalRollout } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { frames, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, unprocessable } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { insertRollout } from "./insert-rollout";
import { checkAction, checkObservation } from "./validate-steps";

/** A rollout from an external system (a robot, a simulator elsewhere) for the current collecting round. */
export async function addExternalRollout(db: Db, caller: Caller, projectId: string, input: unknown) {
  await authorizeProject(db, caller, projectId, "labeler");
  const data = ZExternalRollout.parse(input);
  const spec = await loadProjectSpec(db, projectId);
  data.steps.forEach((s, t) => {
    checkObservation(spec.observationSpace, s.observation, `steps.${t}.observation`);
    if (s.policyAction !== undefined) checkAction(spec.actionSpace, s.policyAction, `steps.${t}.policyAction`);
  });
  return transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1).for("update");
    if (!round || round.status !== "collecting" || round.index === 0) {
      throw new AppError("CONFLICT", round ? `Round ${round.index} is ${round.status}; external rollouts join a collecting round after round 0` : "No round is open");
    }
    const frameIds = [...new Set(data.steps.flatMap((s) => (s.frameId ? [s.frameId] : [])))];
    if (frameIds.length) {
      const found = await tx.select({ id: frames.id }).from(frames).where(and(eq(frames.projectId, projectId), inArray(frames.id, frameIds)));
      const missing = frameIds.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw unprocessable("steps.frameId", `unknown frame ${missing[0]}`);
    }
    const id = await insertRollout(tx, {
      projectId,
      roundId: round.id,
      policyId: round.policyId,
      source: "external",
      seed: data.seed ?? null,
      meta: { uploadedBy: caller.id },
      steps: data.steps.map((s) => ({ observation: s.observation, envState: s.state ?? null, policyAction: s.policyAction ?? null, uncertainty: s.uncertainty ?? null, reward: s.reward ?? null, frameId: s.frameId ?? null })),
    });
    emit({ type: "rollout:added", projectId, roundIndex: round.index, rolloutId: id, source: "external", length: data.steps.length });
    return { rolloutId: id, roundIndex: round.index, steps: data.steps.length };
  });
}
