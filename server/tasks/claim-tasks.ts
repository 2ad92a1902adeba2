import { sql } from "drizzle-orm";
import { ZClaimTasks, type TClaimedTasks, type TNextTask } from "../../contracts/rounds";
import { ZProjectId } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { memberships, projects, rollouts, rounds, states, tasks } from "../../db/schema";
import { checkRole, rolesAtLeast, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { publish } from "../realtime/bus";
import { CONTEXT_STEPS, countWaitingExcept, toNextTask, type ClaimedRow } from "./claim-next-task";
import { LEASE_MS } from "./lease";

/** A uuid[] literal for one bound parameter: every length of `exclude` shares one prepared statement. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/**
 * Leases up to `count` tasks the caller may label in the project's labelling round — the batched
 * `claimNextTask`, with the same rules and order: the caller's own live leases first, then free tasks (never
 * leased, released, or expired) with the most labels, oldest first, all in ONE statement. `FOR UPDATE SKIP LOCKED`
 * makes concurrent claimers take disjoint sets (a row another claim holds locked is skipped, not waited for).
 * Both candidate lists lock up to `count` rows; the update keeps the first `count` of the two and the rest are
 * unlocked again at commit, a moment later.
 *
 * An empty `tasks` is not an error: `waiting` then says whether tasks the caller may label are only held by
 * others for now (ask again) or nothing is left.
 */
export async function claimTasks(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TClaimedTasks> {
  if (!ZProjectId.safeParse(projectId).success) throw notFound("Project not found");
  const { count, exclude } = ZClaimTasks.parse(input ?? {});
  const roles = rolesAtLeast("labeler");
  const allowed = caller.isAdmin ? sql`true` : sql`(select role from head) in (${sql.join(roles.map((r) => sql`${r}`), sql`, `)})`;
  const open = sql`t.round_id = (select round_id from head) and t.label_count < t.required
    and not exists (select 1 from labels l where l.task_id = t.id and l.user_id = ${caller.id})
    and t.id <> all(${uuidArray(exclude)}::uuid[])`;
  const res = await executeHot<ClaimedRow & { created_at: string }>(db, "claim_tasks", sql`
    with head as (
      select m.role, r.id as round_id, r.index as round_index
      from ${projects} p
      left join ${memberships} m on m.project_id = p.id and m.user_id = ${caller.id}
      left join lateral (
        select id, index from ${rounds} where project_id = p.id and status = 'labeling' order by index desc limit 1
      ) r on true
      where p.id = ${projectId}),
    own as (
      select t.id, t.label_count, t.created_at from ${tasks} t where ${open} and t.lease_owner = ${caller.id}
      order by t.created_at, t.id limit ${count} for update skip locked),
    free as (
      select t.id, t.label_count, t.created_at from ${tasks} t
      where ${open} and (t.lease_owner is null or t.lease_expires_at < now()) and t.lease_owner is distinct from ${caller.id}
      order by t.label_count desc nulls last, t.created_at, t.id limit ${count} for update skip locked),
    picked as (
      update ${tasks} set lease_owner = ${caller.id}, lease_expires_at = now() + (${LEASE_MS} * interval '1 millisecond')
      where ${allowed} and id in (
        select id from (select 0 as k, * from own union all select 1 as k, * from free) c
        order by k, label_count desc, created_at, id limit ${count})
      returning id, state_id, lease_expires_at, required, label_count, created_at),
    claimed as (
      select p.id as task_id, p.lease_expires_at, p.required, p.label_count, p.created_at, p.id in (select id from own) as mine,
        s.id as state_id, s.t as state_t, s.rollout_id, ro.length as rollout_length,
        c.t, c.observation, c.env_state, c.action, c.policy_action, c.frame_id
      from picked p
      join ${states} s on s.id = p.state_id
      join ${rollouts} ro on ro.id = s.rollout_id
      join ${states} c on c.rollout_id = s.rollout_id and c.t between greatest(0, s.t - ${CONTEXT_STEPS}) and s.t)
    select h.role, h.round_id, h.round_index, claimed.* from head h left join claimed on true
    order by claimed.mine desc, claimed.label_count desc, claimed.created_at, claimed.task_id, claimed.t`);
  const rows = res.rows;
  const head = rows[0];
  checkRole(caller, head ?? null, "labeler");
  if (!head?.task_id) return { tasks: [], waiting: await countWaitingExcept(db, caller, projectId, exclude) };
  const out: TNextTask[] = [];
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i < rows.length && rows[i]!.task_id === rows[start]!.task_id) continue;
    out.push(toNextTask(projectId, rows[start]!, rows.slice(start, i)));
    start = i;
  }
  publish([{ type: "tasks:claimed", projectId, userId: caller.id, count: out.length }]);
  return { tasks: out, waiting: 0 };
}
