import { eq, sql } from "drizzle-orm";
import type { TRound } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { rollouts, rounds, states } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { createTasksForRound } from "./create-tasks";
import { transitionRound } from "./round-machine";
import { findRound, toRoundView } from "./round-view";

/**
 * Lead-only: ends the current phase of a round by hand.
 * - round 0 collecting → aggregating (its demonstrations become dataset version 0);
 * - a later round collecting external rollouts → labeling (tasks are created from what arrived);
 * - labeling → aggregating (with whatever labels exist; unlabelled tasks are left out).
 */
export async function closeRound(db: Db, caller: Caller, projectId: string, index: number): Promise<TRound> {
  await authorizeProject(db, caller, projectId, "lead");
  return transactionWithEvents(db, async (tx, emit) => {
    const found = await findRound(tx, projectId, index);
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, found.id)).for("update");
    if (!round) throw new AppError("NOT_FOUND", "Round not found");
    const spec = await loadProjectSpec(tx, projectId);
    const [{ n } = { n: 0 }] = await tx
      .select({ n: sql<number>`count(${states.id})::int` })
      .from(rollouts)
      .innerJoin(states, eq(states.rolloutId, rollouts.id))
      .where(eq(rollouts.roundId, round.id));

    let result;
    if (round.status === "collecting" && round.index === 0) {
      if (n === 0) throw new AppError("CONFLICT", "Round 0 has no demonstrations yet; upload some first");
      result = await transitionRound(tx, round, "aggregating", { actorId: caller.id, reason: "closed by lead" });
    } else if (round.status === "collecting") {
      if (spec.env) throw new AppError("CONFLICT", "The server is still collecting this round's rollouts; it moves to labeling on its own");
      if (n === 0) throw new AppError("CONFLICT", "No rollouts have arrived for this round yet");
      const created = await createTasksForRound(tx, round, spec);
      // Every step an intervention (already labelled by the person who took over): nothing to label.
      result = created
        ? await transitionRound(tx, round, "labeling", { actorId: caller.id, reason: "closed by lead" })
        : await transitionRound(tx, round, "aggregating", { actorId: caller.id, reason: "closed by lead: no steps to label (all interventions)" });
    } else if (round.status === "labeling") {
      result = await transitionRound(tx, round, "aggregating", { actorId: caller.id, reason: "closed by lead" });
    } else {
      throw new AppError("CONFLICT", `Round ${round.index} is ${round.status}; only a collecting or labeling round can be closed`);
    }
    emit(result.event);
    return toRoundView(tx, result.round);
  });
}
