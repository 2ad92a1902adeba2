import { and, eq, sql } from "drizzle-orm";
import { ZSubmitLabel } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { labels, memberships, projects, rounds, tasks } from "../../db/schema";
import { checkRole, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { projectSpec } from "../projects/project-spec";
import { scheduleRoundProgress } from "../rounds/progress-ticker";
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
  // One round trip for the task's project, its spec and the caller's role in it.
  const [found] = await db
    .select({ project: projects, role: memberships.role })
    .from(tasks)
    .innerJoin(projects, eq(projects.id, tasks.projectId))
    .leftJoin(memberships, and(eq(memberships.projectId, tasks.projectId), eq(memberships.userId, caller.id)))
    .where(eq(tasks.id, taskId));
  if (!found) throw notFound("Task not found");
  checkRole(caller, found, "labeler");
  const spec = projectSpec(found.project);
  if (!body.cantTell) checkAction(spec.actionSpace, body.action, "action");
  const action = body.cantTell ? null : (body.action ?? null);

  const result = await db.transaction(async (tx) => {
    // Lock the task (resubmissions of one label serialise here) and share-lock its round: labels of one round
    // commit concurrently, while a status change (close, advance) waits for them.
    const locked = await tx.execute<LockedTask>(sql`
      select t.state_id, t.required, t.label_count, r.id as round_id, r.status, r.index, r.project_id
      from ${tasks} t join ${rounds} r on r.id = t.round_id
      where t.id = ${taskId}
      for update of t for share of r`);
    const task = locked.rows[0];
    if (!task) throw notFound("Task not found");
    // Read with the lock held, so every label of this task that committed before is visible; the insert and the
    // count happen only when every check passes, in the same statement.
    const canInsert = task.status === "labeling" && task.label_count < task.required;
    const res = await tx.execute<WriteResult>(sql`
      with e as (select id, task_id, user_id, action, cant_tell, created_at from ${labels} where id = ${body.id}),
      m as (select id from ${labels} where task_id = ${taskId} and user_id = ${caller.id}),
      ins as (
        insert into ${labels} (id, task_id, state_id, user_id, action, cant_tell, duration_ms)
        select ${body.id}::uuid, ${taskId}::uuid, ${task.state_id}::uuid, ${caller.id}::uuid, ${action === null ? null : JSON.stringify(action)}::jsonb,
          ${body.cantTell}::boolean, ${body.durationMs ?? null}::int
        where ${canInsert}::boolean and not exists (select 1 from e) and not exists (select 1 from m)
        on conflict do nothing
        returning id, task_id, user_id, action, cant_tell, created_at),
      upd as (
        update ${tasks} set label_count = label_count + 1,
          lease_owner = case when lease_owner = ${caller.id} then null else lease_owner end,
          lease_expires_at = case when lease_owner = ${caller.id} then null else lease_expires_at end
        where id = ${taskId} and exists (select 1 from ins)
        returning id)
      select (select row_to_json(e) from e) as existing, exists (select 1 from m) as mine,
        (select row_to_json(ins) from ins) as inserted,
        ${spec.settings.autoAdvance ? sql`(select count(*)::int from (select 1 from ${tasks} o where o.round_id = ${task.round_id} and o.label_count < o.required limit ${NEAR_END + 2}) x)` : sql`null::int`} as open_tasks`);
    const out = res.rows[0];
    if (!out) throw new Error("label statement returned nothing");
    if (out.existing) {
      if (out.existing.user_id !== caller.id || out.existing.task_id !== taskId) throw new AppError("CONFLICT", "This label id is already used for another label");
      return { label: view(out.existing, true), nearlyDone: false, round: null };
    }
    if (task.status !== "labeling") throw new AppError("CONFLICT", `Round ${task.index} is ${task.status}; it no longer takes labels`);
    if (out.mine) throw new AppError("CONFLICT", "You have already labelled this state");
    if (task.label_count >= task.required) throw new AppError("CONFLICT", "This task already has all its labels (your lease had expired and others finished it)");
    // Only a concurrent use of the same id for another task gets here (the primary key refused it).
    if (!out.inserted) throw new AppError("CONFLICT", "This label id is already used for another label");
    // open_tasks counts this task as open still (the statement does not see its own update).
    const nearlyDone = out.open_tasks !== null && out.open_tasks - 1 <= NEAR_END;
    return { label: view(out.inserted, false), nearlyDone, round: { id: task.round_id, projectId: task.project_id, index: task.index } };
  });
  if (result.round) scheduleRoundProgress(db, result.round);
  if (result.nearlyDone) await advanceIfLabelled(db, result.label.taskId);
  return result.label;
}

interface LockedTask extends Record<string, unknown> {
  state_id: string;
  required: number;
  label_count: number;
  round_id: string;
  status: string;
  index: number;
  project_id: string;
}
interface LabelJson {
  id: string;
  task_id: string;
  user_id: string;
  action: number | number[] | null;
  cant_tell: boolean;
  created_at: string;
}
interface WriteResult extends Record<string, unknown> {
  existing: LabelJson | null;
  mine: boolean;
  inserted: LabelJson | null;
  open_tasks: number | null;
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

function view(l: LabelJson, duplicate: boolean): SubmittedLabel {
  return { id: l.id, taskId: l.task_id, action: l.action ?? null, cantTell: l.cant_tell, createdAt: new Date(l.created_at).toISOString(), duplicate };
}
