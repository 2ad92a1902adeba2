import { and, eq, sql } from "drizzle-orm";
import { ZSubmitLabel } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { labels, rounds, tasks } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { checkAction } from "../rollouts/validate-steps";
import { transitionRound } from "../rounds/round-machine";
import { taskProgress } from "../rounds/round-view";

export interface SubmittedLabel {
  id: string;
  taskId: string;
  action: number | number[] | null;
  cantTell: boolean;
  createdAt: string;
  /** True when this id had been stored before: the resubmission changed nothing. */
  duplicate: boolean;
}

/**
 * Stores one label, idempotently by its client-generated id. The task row is locked first, so concurrent
 * resubmissions of the same id serialise and the second one returns the stored label.
 * A label for an expired lease is accepted while the task still needs labels; otherwise 409 with the reason.
 * With auto-advance, the label that completes the round moves it on to aggregating (see advanceIfLabelled).
 */
export async function submitLabel(db: Db, caller: Caller, taskId: string, input: unknown): Promise<SubmittedLabel> {
  const body = ZSubmitLabel.parse(input);
  const [peek] = await db.select({ projectId: tasks.projectId }).from(tasks).where(eq(tasks.id, taskId));
  if (!peek) throw notFound("Task not found");
  await authorizeProject(db, caller, peek.projectId, "labeler");
  const spec = await loadProjectSpec(db, peek.projectId);
  if (!body.cantTell) checkAction(spec.actionSpace, body.action, "action");

  const result = await transactionWithEvents(db, async (tx, emit) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
    if (!task) throw notFound("Task not found");
    const [existing] = await tx.select().from(labels).where(eq(labels.id, body.id));
    if (existing) {
      if (existing.userId !== caller.id || existing.taskId !== taskId) throw new AppError("CONFLICT", "This label id is already used for another label");
      return { label: view(existing, true), nearlyDone: false };
    }
    // A share lock: labels of one round commit concurrently, while a status change (close, advance) waits for them.
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, task.roundId)).for("share");
    if (!round || round.status !== "labeling") throw new AppError("CONFLICT", `Round ${round?.index ?? "?"} is ${round?.status ?? "gone"}; it no longer takes labels`);
    const [mine] = await tx.select({ id: labels.id }).from(labels).where(and(eq(labels.taskId, taskId), eq(labels.userId, caller.id)));
    if (mine) throw new AppError("CONFLICT", "You have already labelled this state");
    if (task.labelCount >= task.required) throw new AppError("CONFLICT", "This task already has all its labels (your lease had expired and others finished it)");

    const [label] = await tx
      .insert(labels)
      .values({ id: body.id, taskId, stateId: task.stateId, userId: caller.id, action: body.cantTell ? null : (body.action ?? null), cantTell: body.cantTell, durationMs: body.durationMs ?? null })
      .returning();
    if (!label) throw new Error("label insert returned nothing");
    await tx
      .update(tasks)
      .set({
        labelCount: sql`${tasks.labelCount} + 1`,
        ...(task.leaseOwner === caller.id ? { leaseOwner: null, leaseExpiresAt: null } : {}),
      })
      .where(eq(tasks.id, taskId));

    const progress = await taskProgress(tx, round.id);
    emit({ type: "round:progress", projectId: round.projectId, roundIndex: round.index, progress });
    return { label: view(label, false), nearlyDone: spec.settings.autoAdvance && progress.tasksTotal - progress.tasksDone <= NEAR_END };
  });
  if (result.nearlyDone) await advanceIfLabelled(db, result.label.taskId);
  return result.label;
}

/**
 * Concurrent label transactions cannot see each other's uncommitted counts, so the move to aggregating
 * happens after commit, in its own transaction that locks the round and recounts. Every label committed
 * near the end of a round runs it, so the last one to commit always sees all tasks done.
 */
const NEAR_END = 64;

async function advanceIfLabelled(db: Db, taskId: string): Promise<void> {
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

function view(l: typeof labels.$inferSelect, duplicate: boolean): SubmittedLabel {
  return { id: l.id, taskId: l.taskId, action: l.action ?? null, cantTell: l.cantTell, createdAt: l.createdAt.toISOString(), duplicate };
}
