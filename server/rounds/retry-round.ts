import { eq } from "drizzle-orm";
import type { TRound } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError } from "../errors";
import { enqueueJob } from "../jobs/queue";
import { transactionWithEvents } from "../realtime/with-events";
import { stepOf, transitionRound } from "./round-machine";
import { findRound, toRoundView } from "./round-view";

/** Lead-only: a failed round resumes from the state it failed in, and that state's job runs again. */
export async function retryRound(db: Db, caller: Caller, projectId: string, index: number): Promise<TRound> {
  await authorizeProject(db, caller, projectId, "lead");
  return transactionWithEvents(db, async (tx, emit) => {
    const found = await findRound(tx, projectId, index);
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, found.id)).for("update");
    if (!round || round.status !== "failed" || !round.failedFrom) {
      throw new AppError("CONFLICT", `Round ${index} is ${round?.status ?? "missing"}; only a failed round can be retried`);
    }
    const to = round.failedFrom;
    const result = await transitionRound(tx, round, to, { actorId: caller.id, reason: "retry" });
    // A step whose job is not enqueued on entry (collecting's) runs again here.
    const step = stepOf(to);
    if (step?.job && !step.onEntry) await enqueueJob(tx, step.job, { projectId, roundId: round.id });
    emit(result.event);
    return toRoundView(tx, result.round);
  });
}
