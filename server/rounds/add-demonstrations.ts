import { desc, eq } from "drizzle-orm";
import { ZDemonstrations, type TDemonstrationsAdded } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { auditLog, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { loadProjectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { insertRolloutOnce } from "../rollouts/insert-rollout";
import { checkImageFrames, splitObservation } from "../rollouts/add-external-rollout";
import { checkAction, checkObservation } from "../rollouts/validate-steps";
import { observationProblem } from "../../contracts/spaces";
import { AppError, unprocessable } from "../errors";
import { openRound } from "./open-round";

/**
 * Demonstrations (expert-labelled episodes: uploaded, teleoperated in the browser, or takeover segments).
 * They join the current collecting round; with no round yet, round 0 is started for them. Labellers may
 * send teleop/takeover episodes; uploading `expert` demonstrations needs the lead role. All or nothing.
 * A project with a `Dict` observation space (cameras) takes each step's observation as `{ state, <camera>: frame id }`
 * of frames uploaded before, checked and stored as external rollouts' are (rollouts/add-external-rollout.ts).
 */
export async function addDemonstrations(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TDemonstrationsAdded> {
  const role = await authorizeProject(db, caller, projectId, "labeler");
  const data = ZDemonstrations.parse(input);
  if (data.source === "expert" && role !== "lead") throw new AppError("FORBIDDEN", "Uploading expert demonstrations needs the lead role");
  const spec = await loadProjectSpec(db, projectId);
  const dict = spec.observation.type === "dict" ? spec.observation : null;
  data.episodes.forEach((ep, e) =>
    ep.steps.forEach((s, t) => {
      const field = `episodes.${e}.steps.${t}.observation`;
      if (dict) {
        const problem = observationProblem(dict, s.observation);
        if (problem) throw unprocessable(problem[0] ? `${field}.${problem[0]}` : field, problem[1]);
      } else if (!Array.isArray(s.observation)) throw unprocessable(field, "must be an array of numbers (this project's observations have no images)");
      else checkObservation(spec.observationSpace, s.observation, field);
      checkAction(spec.actionSpace, s.action, `episodes.${e}.steps.${t}.action`);
    }),
  );
  return transactionWithEvents(db, async (tx, emit) => {
    let [round] = await tx.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1).for("update");
    if (!round) {
      if (role !== "lead") throw new AppError("CONFLICT", "No round is open; a lead must start round 0 first");
      const opened = await openRound(tx, { projectId, index: 0, status: "collecting", beta: 1, audit: { actorId: caller.id, data: { index: 0, reason: "demonstrations uploaded" } } });
      round = opened.round;
      emit(opened.event);
    }
    // Takeover segments may arrive while the round is labelling (the labeller corrected a live policy).
    const open = round.status === "collecting" || (data.source === "takeover" && round.status === "labeling");
    if (!open) throw new AppError("CONFLICT", `Round ${round.index} is ${round.status}; demonstrations join a collecting round`);
    if (dict) await checkImageFrames(tx, projectId, dict, data.episodes, "episodes.");
    const ids: string[] = [];
    let duplicates = 0;
    for (const ep of data.episodes) {
      // An episode with a client id already stored (a retried upload) is not stored again.
      const stored = await insertRolloutOnce(tx, {
        projectId,
        roundId: round.id,
        source: data.source,
        meta: { uploadedBy: caller.id },
        clientId: ep.id ?? null,
        steps: ep.steps.map((s) => ({ ...splitObservation(dict, s.observation, undefined), envState: s.state ?? null, action: s.action })),
      });
      ids.push(stored.id);
      if (stored.duplicate) duplicates++;
      else emit({ type: "rollout:added", projectId, roundIndex: round.index, rolloutId: stored.id, source: data.source, length: ep.steps.length });
    }
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "demonstrations.added", targetType: "round", targetId: round.id, data: { source: data.source, episodes: ids.length, steps: data.episodes.reduce((a, e) => a + e.steps.length, 0) } });
    return { roundIndex: round.index, rolloutIds: ids, duplicates, steps: data.episodes.reduce((a, e) => a + e.steps.length, 0) };
  });
}
