import { sql } from "drizzle-orm";
import { ZBatchLabel, ZSubmitLabelsEnvelope, type TBatchLabel, type TLabelResult } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { labels, memberships, projects, rounds, tasks } from "../../db/schema";
import { checkRole, TASK_NOT_FOUND, type Caller } from "../auth/authorize-project";
import { ERROR_HTTP_STATUS } from "../../contracts/errors";
import { AppError, toAppError, zodFieldErrors } from "../errors";
import { projectSpec, type ProjectSpec } from "../projects/project-spec";
import { scheduleRoundProgress } from "../rounds/progress-ticker";
import { checkAction } from "../rollouts/validate-steps";
import { uuidArray } from "./claim-tasks";
import { explainRefusal, NEAR_END, submitLabel, view, type LabelJson, type LockedTask } from "./submit-label";
import type { TLabel } from "../../contracts/rounds";
import { finishLabellingIfDone } from "../rounds/steps/finish-labelling";

interface HeadRow extends Record<string, unknown> {
  task_id: string;
  id: string;
  env_id: string | null;
  config: unknown;
  role: string | null;
}
interface BatchRow extends Record<string, unknown> {
  ord: number;
  task: LockedTask | null;
  existing: LabelJson | null;
  mine: boolean;
  inserted: LabelJson | null;
  open_tasks: number | null;
}

/**
 * Stores up to 100 independent labels, each answered on its own exactly as the single-label route would
 * (201 stored, 200 a resubmission of a stored id, 403/404/409/422 refused): one label's refusal never undoes
 * another's. Only a caller who may label none of the tasks is refused as a whole (404, or 403 below labeller). Same rules as `submitLabel` — exactly-once by label id, leases, the caller's role in each task's
 * project — in two round trips for the whole batch instead of two per label:
 *
 * 1. the tasks' projects and the caller's role in each (to check roles and actions before writing);
 * 2. one statement that locks every task (in id order, so concurrent batches cannot deadlock) with a share lock
 *    on its round, inserts the labels that pass every check, bumps their tasks' counts and frees their leases.
 *
 * The statement is atomic, but each label's checks are its own, so a refused label only leaves itself out.
 * Labels that repeat a label id or a task id already in the batch go through the single-label path after it,
 * in order, so they see what the first one did (a repeated id answers 200 duplicate, like a retry).
 */
export async function submitLabels(db: Db, caller: Caller, input: unknown): Promise<TLabelResult[]> {
  const { labels: raw } = ZSubmitLabelsEnvelope.parse(input);
  const results: (TLabelResult | undefined)[] = raw.map(() => undefined);
  const refuse = (i: number, err: unknown) => {
    const e = toAppError(err);
    results[i] = { id: raw[i]!.id, taskId: raw[i]!.taskId, status: ERROR_HTTP_STATUS[e.code] as TLabelResult["status"], error: { code: e.code, message: e.message } };
  };
  const accept = (i: number, l: TLabel) => {
    results[i] = { ...l, status: l.duplicate ? 200 : 201 };
  };

  const head = await executeHot<HeadRow>(db, "labels_projects", sql`
    select t.id as task_id, p.id, p.env_id, p.config, m.role
    from ${tasks} t join ${projects} p on p.id = t.project_id
    left join ${memberships} m on m.project_id = t.project_id and m.user_id = ${caller.id}
    where t.id = any(${uuidArray([...new Set(raw.map((l) => l.taskId))])}::uuid[])`);
  const byTask = new Map(head.rows.map((r) => [r.task_id, r]));
  const specs = new Map<string, ProjectSpec>();

  // Which labels go into the one statement: valid, allowed, and the first of the batch with their id and task.
  const batch: { i: number; label: TBatchLabel & { action: number | number[] | null } }[] = [];
  const later: number[] = [];
  const seenIds = new Set<string>();
  const seenTasks = new Set<string>();
  let allowed = 0;
  let firstRefusal: unknown;
  raw.forEach((item, i) => {
    try {
      // Authorisation first, as on every route: a task outside the caller's projects is "not found" whatever the label says.
      const found = byTask.get(item.taskId);
      try {
        checkRole(caller, found ?? null, "labeler", TASK_NOT_FOUND);
        allowed++;
      } catch (err) {
        firstRefusal ??= err;
        throw err;
      }
      const parsed = ZBatchLabel.safeParse(item);
      if (!parsed.success) {
        const fieldErrors = zodFieldErrors(parsed.error);
        throw new AppError("UNPROCESSABLE", Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; "), { fieldErrors });
      }
      const label = parsed.data;
      if (seenIds.has(label.id) || seenTasks.has(label.taskId)) {
        later.push(i);
        return;
      }
      seenIds.add(label.id);
      seenTasks.add(label.taskId);
      let spec = specs.get(found!.id);
      if (!spec) specs.set(found!.id, (spec = projectSpec({ id: found!.id, envId: found!.env_id, config: found!.config })));
      if (!label.cantTell) checkAction(spec.actionSpace, label.action, `labels.${i}.action`);
      batch.push({ i, label: { ...label, action: label.cantTell ? null : (label.action ?? null) } });
    } catch (err) {
      refuse(i, err);
    }
  });

  // A caller who may label none of the batch's tasks is refused as a whole, exactly as the single-label route
  // refuses them (404 outside the project, 403 below labeller): per-label answers are for labellers.
  if (allowed === 0) throw firstRefusal;
  if (batch.length > 0) await writeBatch(db, caller, batch, specs, byTask, accept, refuse);
  for (const i of later) {
    const { taskId, ...body } = raw[i]!;
    try {
      accept(i, await submitLabel(db, caller, taskId, body));
    } catch (err) {
      refuse(i, err);
    }
  }
  return results.map((r, i) => r ?? { id: raw[i]!.id, taskId: raw[i]!.taskId, status: 409, error: { code: "CONFLICT", message: "Not stored" } });
}

/** Most open tasks counted per round after a batch: enough to tell whether the round is within NEAR_END of done. */
const OPEN_COUNT_CAP = NEAR_END + 2 + 100;

async function writeBatch(
  db: Db,
  caller: Caller,
  batch: { i: number; label: TBatchLabel & { action: number | number[] | null } }[],
  specs: Map<string, ProjectSpec>,
  byTask: Map<string, HeadRow>,
  accept: (i: number, l: TLabel) => void,
  refuse: (i: number, err: unknown) => void,
): Promise<void> {
  const input = JSON.stringify(
    batch.map(({ i, label }) => ({ ord: i, id: label.id, task_id: label.taskId, action: label.action, cant_tell: label.cantTell, duration_ms: label.durationMs ?? null })),
  );
  // The ids again as arrays: the planner sees `= any(array)` and reads the tasks and labels through their
  // indexes (a set from jsonb_to_recordset is estimated at 100 rows and made the tables' rows be scanned whole).
  const taskIds = uuidArray(batch.map((b) => b.label.taskId));
  const labelIds = uuidArray(batch.map((b) => b.label.id));
  // Open tasks are counted (once per round of the batch) only where a project advances its round on its own.
  const autoAdvance = batch.some(({ label }) => specs.get(byTask.get(label.taskId)!.id)!.settings.autoAdvance);
  // The single-label statement (submit-label.ts), over a set: see there for why each part is as it is.
  const res = await executeHot<BatchRow>(db, "submit_labels", sql`
    with i as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(ord int, id uuid, task_id uuid, action jsonb, cant_tell boolean, duration_ms int)),
    t as (
      select t.id, t.state_id, t.required, t.label_count, r.id as round_id, r.status, r.index, r.project_id,
        coalesce(t.lease_owner <> ${caller.id} and t.lease_expires_at > now(), false) as held_by_other
      from ${tasks} t join ${rounds} r on r.id = t.round_id
      where t.id = any(${taskIds}::uuid[])
      order by t.id
      for update of t for share of r),
    e as (select id, task_id, user_id, action, cant_tell, created_at from ${labels} where id = any(${labelIds}::uuid[])),
    m as (select task_id from ${labels} where task_id = any(${taskIds}::uuid[]) and user_id = ${caller.id}),
    ins as (
      insert into ${labels} (id, task_id, state_id, user_id, action, cant_tell, duration_ms)
      select i.id, t.id, t.state_id, ${caller.id}::uuid, case when i.action = 'null'::jsonb then null else i.action end, i.cant_tell, i.duration_ms
      from i join t on t.id = i.task_id
      where t.status = 'labeling' and t.label_count < t.required and not t.held_by_other
        and not exists (select 1 from e where e.id = i.id) and not exists (select 1 from m where m.task_id = i.task_id)
      order by t.id
      on conflict do nothing
      returning id, task_id, user_id, action, cant_tell, created_at),
    upd as (
      update ${tasks} u set label_count = u.label_count + 1,
        lease_owner = case when u.lease_owner = ${caller.id} then null else u.lease_owner end,
        lease_expires_at = case when u.lease_owner = ${caller.id} then null else u.lease_expires_at end
      from ins where u.id = ins.task_id
      returning u.id),
    opn as materialized (${
      autoAdvance
        ? sql`select o.round_id, (select count(*)::int from (select 1 from ${tasks} x where x.round_id = o.round_id and x.label_count < x.required limit ${OPEN_COUNT_CAP}) y) as n
      from (select distinct round_id from t) o`
        : sql`select null::uuid as round_id, null::int as n where false`
    })
    select i.ord,
      (select row_to_json(t) from t where t.id = i.task_id) as task,
      (select row_to_json(e) from e where e.id = i.id) as existing,
      exists (select 1 from m where m.task_id = i.task_id) as mine,
      (select row_to_json(ins) from ins where ins.id = i.id) as inserted,
      (select n from opn where opn.round_id = (select round_id from t where t.id = i.task_id)) as open_tasks
    from i order by i.ord`);
  const done = new Map<string, { round: LockedTask; inserted: number; open: number; taskId: string; autoAdvance: boolean }>();
  for (const row of res.rows) {
    const { i, label } = batch.find((b) => b.i === row.ord)!;
    try {
      const task = row.task;
      if (!task) throw new AppError("NOT_FOUND", TASK_NOT_FOUND);
      if (!row.inserted) {
        accept(i, await explainRefusal(db, caller, label.taskId, label.id, task, { task, existing: row.existing, mine: row.mine, inserted: null, open_tasks: null }));
        continue;
      }
      accept(i, view(row.inserted, false));
      const spec = specs.get(byTask.get(label.taskId)!.id)!;
      const r = done.get(task.round_id) ?? { round: task, inserted: 0, open: row.open_tasks ?? OPEN_COUNT_CAP, taskId: task.id, autoAdvance: spec.settings.autoAdvance };
      r.inserted += 1;
      done.set(task.round_id, r);
    } catch (err) {
      refuse(i, err);
    }
  }
  for (const r of done.values()) {
    scheduleRoundProgress(db, { id: r.round.round_id, projectId: r.round.project_id, index: r.round.index });
    // open counts this batch's tasks as open still (the statement does not see its own updates).
    if (r.autoAdvance && r.open - r.inserted <= NEAR_END) await finishLabellingIfDone(db, r.taskId);
  }
}
