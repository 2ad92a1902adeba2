import { and, eq, sql } from "drizzle-orm";
import type { TRetractedLabel } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { labels, rounds, tasks } from "../../db/schema";
import { authorizeProject, TASK_NOT_FOUND, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { transactionWithEvents } from "../realtime/with-events";
import { roundProgress } from "../rounds/round-view";
import { LEASE_MS } from "./lease";

/**
 * Undo: deletes the caller's own label and decrements the task's label count in one transaction, while the
 * round is still labelling. The task is leased back to the caller (unless someone else holds a live lease)
 * so the state can be labelled again at once. Someone else's label, or an unknown label id, is 404 "Label not
 * found"; an unknown task, or one in a project the caller cannot see, 404 "Task not found".
 */
export async function retractLabel(db: Db, caller: Caller, taskId: string, labelId: string): Promise<TRetractedLabel> {
  const [peek] = await db.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, taskId));
  if (!peek) throw notFound(TASK_NOT_FOUND);
  await authorizeProject(db, caller, peek.projectId, "labeler", TASK_NOT_FOUND);

  return transactionWithEvents(db, async (tx, emit) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
    if (!task) throw notFound("Label not found");
    const [label] = await tx.select().from(labels).where(and(eq(labels.id, labelId), eq(labels.taskId, taskId), eq(labels.userId, caller.id)));
    if (!label) throw notFound("Label not found");
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, task.roundId)).for("update");
    if (!round || round.status !== "labeling") throw new AppError("CONFLICT", `Round ${round?.index ?? "?"} is ${round?.status ?? "gone"}; its labels can no longer be undone`);

    await tx.delete(labels).where(eq(labels.id, labelId));
    const leaseFree = !task.leaseOwner || task.leaseOwner === caller.id || (task.leaseExpiresAt !== null && task.leaseExpiresAt < new Date());
    const [updated] = await tx
      .update(tasks)
      .set({
        labelCount: sql`greatest(${tasks.labelCount} - 1, 0)`,
        ...(leaseFree ? { leaseOwner: caller.id, leaseExpiresAt: sql`now() + (${LEASE_MS} * interval '1 millisecond')` } : {}),
      })
      .where(eq(tasks.id, taskId))
      .returning({ leaseOwner: tasks.leaseOwner, leaseExpiresAt: tasks.leaseExpiresAt });
    const progress = await roundProgress(tx, round.id);
    emit({ type: "round:progress", projectId: round.projectId, roundIndex: round.index, progress: { tasksTotal: progress.tasksTotal, tasksDone: progress.tasksDone, labels: progress.labels } });
    if (leaseFree) emit({ type: "tasks:claimed", projectId: round.projectId, userId: caller.id, count: 1 });
    return { id: labelId, taskId, leaseExpiresAt: leaseFree && updated?.leaseExpiresAt ? updated.leaseExpiresAt.toISOString() : null };
  });
}
