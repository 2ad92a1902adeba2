import { and, eq, sql } from "drizzle-orm";
import { ZSubmitLabel, type TLabel } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { labels, memberships, projects, rounds, tasks } from "../../db/schema";
import { checkRole, TASK_NOT_FOUND, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { projectSpec } from "../projects/project-spec";
import { scheduleRoundProgress } from "../rounds/progress-ticker";
import { checkAction } from "../rollouts/validate-steps";
import { finishLabellingIfDone } from "../rounds/steps/finish-labelling";

/**
 * Stores one label, idempotently by its client-generated id. The task row is locked first, so concurrent
 * resubmissions of the same id serialise and the second one returns the stored label.
 * Leases are enforced: while another labeller holds a live lease on the task, the label is refused (409, "held
 * by another labeller"). A task nobody holds — never claimed, released, or its lease expired — takes the label
 * of any labeller of the project while it still needs labels, so a late label after an expired lease still
 * counts unless someone else has claimed the task since. Otherwise 409 with the reason.
 * With auto-advance, the label that completes the round moves it on to aggregating (server/rounds/steps/finish-labelling.ts).
 */
export async function submitLabel(db: Db, caller: Caller, taskId: string, input: unknown): Promise<TLabel> {
  const body = ZSubmitLabel.parse(input);
  // One round trip for the task's project, its spec and the caller's role in it.
  const head = await executeHot<{ id: string; env_id: string | null; config: unknown; role: string | null }>(db, "label_project", sql`
    select p.id, p.env_id, p.config, m.role
    from ${tasks} t join ${projects} p on p.id = t.project_id
    left join ${memberships} m on m.project_id = t.project_id and m.user_id = ${caller.id}
    where t.id = ${taskId}`);
  const found = head.rows[0];
  checkRole(caller, found ?? null, "labeler", TASK_NOT_FOUND);
  if (!found) throw notFound(TASK_NOT_FOUND);
  const spec = projectSpec({ id: found.id, envId: found.env_id, config: found.config });
  if (!body.cantTell) checkAction(spec.actionSpace, body.action, "action");
  const action = body.cantTell ? null : (body.action ?? null);

  // One statement: lock the task (resubmissions of one label serialise on it) and share-lock its round (labels of
  // one round commit concurrently, while a status change waits for them); insert and count only when every
  // check passes. The lock is taken after the statement's snapshot, so a label committed by a racing request
  // while this one waited is not seen here — the insert then meets the unique index and inserts nothing, and
  // `explainRefusal` reads again to say why.
  const res = await executeHot<WriteResult>(db, "submit_label", sql`
    with t as (
      select t.id, t.state_id, t.required, t.label_count, r.id as round_id, r.status, r.index, r.project_id,
        coalesce(t.lease_owner <> ${caller.id} and t.lease_expires_at > now(), false) as held_by_other
      from ${tasks} t join ${rounds} r on r.id = t.round_id
      where t.id = ${taskId}
      for update of t for share of r),
    e as (select id, task_id, user_id, action, cant_tell, created_at from ${labels} where id = ${body.id}),
    m as (select id from ${labels} where task_id = ${taskId} and user_id = ${caller.id}),
    ins as (
      insert into ${labels} (id, task_id, state_id, user_id, action, cant_tell, duration_ms)
      select ${body.id}::uuid, t.id, t.state_id, ${caller.id}::uuid, ${action === null ? null : JSON.stringify(action)}::jsonb,
        ${body.cantTell}::boolean, ${body.durationMs ?? null}::int
      from t
      where t.status = 'labeling' and t.label_count < t.required and not t.held_by_other
        and not exists (select 1 from e) and not exists (select 1 from m)
      on conflict do nothing
      returning id, task_id, user_id, action, cant_tell, created_at),
    upd as (
      update ${tasks} set label_count = label_count + 1,
        lease_owner = case when lease_owner = ${caller.id} then null else lease_owner end,
        lease_expires_at = case when lease_owner = ${caller.id} then null else lease_expires_at end
      where id = (select task_id from ins)
      returning id)
    select (select row_to_json(t) from t) as task, (select row_to_json(e) from e) as existing, exists (select 1 from m) as mine,
      (select row_to_json(ins) from ins) as inserted,
      ${spec.settings.autoAdvance ? sql`(select count(*)::int from (select 1 from ${tasks} o where o.round_id = (select round_id from t) and o.label_count < o.required limit ${NEAR_END + 2}) x)` : sql`null::int`} as open_tasks`);
  const out = res.rows[0];
  const task = out?.task;
  if (!out || !task) throw notFound(TASK_NOT_FOUND);
  if (!out.inserted) return explainRefusal(db, caller, taskId, body.id, task, out);
  scheduleRoundProgress(db, { id: task.round_id, projectId: task.project_id, index: task.index });
  // open_tasks counts this task as open still (the statement does not see its own update).
  if (out.open_tasks !== null && out.open_tasks - 1 <= NEAR_END) await finishLabellingIfDone(db, taskId);
  return view(out.inserted, false);
}

/**
 * Why nothing was inserted, in the order a client needs to hear it: a resubmission of a stored label returns it
 * (counted once); then a closed round, a state the caller already labelled, a task with all its labels.
 */
export async function explainRefusal(db: Db, caller: Caller, taskId: string, labelId: string, task: LockedTask, out: WriteResult): Promise<TLabel> {
  let existing = out.existing;
  let mine = out.mine;
  if (!existing && !mine) {
    // A racing request committed while this statement waited for the lock: read what it left.
    const [again] = await db.select().from(labels).where(eq(labels.id, labelId));
    if (again) existing = { id: again.id, task_id: again.taskId, user_id: again.userId, action: again.action ?? null, cant_tell: again.cantTell, created_at: again.createdAt.toISOString() };
    else mine = (await db.select({ id: labels.id }).from(labels).where(and(eq(labels.taskId, taskId), eq(labels.userId, caller.id)))).length > 0;
  }
  if (existing) {
    if (existing.user_id !== caller.id || existing.task_id !== taskId) throw new AppError("CONFLICT", "This label id is already used for another label");
    return view(existing, true);
  }
  if (task.status !== "labeling") throw new AppError("CONFLICT", `Round ${task.index} is ${task.status}; it no longer takes labels`);
  if (mine) throw new AppError("CONFLICT", "You have already labelled this state");
  if (task.label_count >= task.required) throw new AppError("CONFLICT", "This task already has all its labels (your lease had expired and others finished it)");
  if (task.held_by_other) throw new AppError("CONFLICT", HELD_BY_OTHER);
  // Left: the same id used at once for another task (the primary key refused it).
  throw new AppError("CONFLICT", "This label id is already used for another label");
}

/** The answer to a label for a task someone else holds a live lease on (docs/SECURITY.md, "Leases and room events"). */
export const HELD_BY_OTHER = "This task is held by another labeller; claim the next task instead";

export interface LockedTask {
  held_by_other: boolean;
  id: string;
  state_id: string;
  required: number;
  label_count: number;
  round_id: string;
  status: string;
  index: number;
  project_id: string;
}
export interface LabelJson {
  id: string;
  task_id: string;
  user_id: string;
  action: number | number[] | null;
  cant_tell: boolean;
  created_at: string;
}
export interface WriteResult extends Record<string, unknown> {
  task: LockedTask | null;
  existing: LabelJson | null;
  mine: boolean;
  inserted: LabelJson | null;
  open_tasks: number | null;
}

/** Labels committed this close to the end of a round run the finish-labelling step (see its comment). */
export const NEAR_END = 64;

export function view(l: LabelJson, duplicate: boolean): TLabel {
  return { id: l.id, taskId: l.task_id, action: l.action ?? null, cantTell: l.cant_tell, createdAt: new Date(l.created_at).toISOString(), duplicate };
}
