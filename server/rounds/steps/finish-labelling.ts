/**
 * The `finish-labelling` step (labeling → aggregating): once every task of the round has its labels, the
 * round moves on. It is not a job: with the project setting `autoAdvance`, the labels committed near the end
 * of a round run it (tasks/submit-label.ts); otherwise, or earlier, a lead closes the round (close-round.ts).
 *
 * Concurrent label transactions cannot see each other's uncommitted counts, so the move to aggregating
 * happens after commit, in its own transaction that locks the round and recounts. Every label committed
 * near the end of a round runs it, so the last one to commit always sees all tasks done.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rounds, tasks } from "../../../db/schema";
import { transactionWithEvents } from "../../realtime/with-events";
import { transitionRound } from "../round-machine";
import { taskProgress } from "../round-view";

export async function finishLabellingIfDone(db: Db, taskId: string): Promise<void> {
  await transactionWithEvents(db, async (tx, emit) => {
    const [task] = await tx.select({ roundId: tasks.roundId }).from(tasks).where(eq(tasks.id, taskId));
    if (!task) return;
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, task.roundId)).for("update");
    if (!round || round.status !== "labeling") return;
    const progress = await taskProgress(tx, round.id);
    if (progress.tasksTotal > 0 && progress.tasksDone === progress.tasksTotal) {
      emit((await transitionRound(tx, round, "aggregating", { reason: "all tasks labelled" })).event);
    }
  });
}
