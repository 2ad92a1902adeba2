import { sql } from "drizzle-orm";
import { z } from "zod";
import type { TNextTask } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { ZProjectId } from "../../contracts/projects";
import { memberships, projects, rollouts, rounds, states, tasks } from "../../db/schema";
import { checkRole, rolesAtLeast, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { publish } from "../realtime/bus";
import { LEASE_MS } from "./lease";
import { cameraFrames, frameUrl } from "./frame-url";

export const ZClaimNext = z.object({ exclude: z.array(z.uuid()).max(20).default([]) }).strict();
/** Steps of the rollout sent before the state, for replay with temporal context. */
export const CONTEXT_STEPS = 60;

/** Tasks `t` that still need labels, that the caller has not labelled, and that the client does not already hold. */
export function labellableBy(caller: Caller, exclude: string[]) {
  const excludeSql = exclude.length ? sql`and t.id not in (${sql.join(exclude.map((id) => sql`${id}::uuid`), sql`, `)})` : sql``;
  return sql`t.label_count < t.required
    and not exists (select 1 from labels l where l.task_id = t.id and l.user_id = ${caller.id})
    ${excludeSql}`;
}

type Json = number | number[] | null;
/** The caller's role and the labelling round, with the claimed task and its context (null columns when none). */
export interface ClaimedRow extends Record<string, unknown> {
  role: string | null;
  round_id: string | null;
  round_index: number | null;
  task_id: string | null;
  lease_expires_at: Date | string;
  required: number;
  label_count: number;
  state_id: string;
  state_t: number;
  rollout_id: string;
  rollout_length: number | null;
  t: number;
  observation: number[];
  env_state: number[] | null;
  action: Json;
  policy_action: Json;
  frame_id: string | null;
  images: Record<string, string> | null;
}

/**
 * The `head` CTE of the claim statements (single and batched): the caller's role in the project and the round
 * labelling now (none → no row matches `round_id`).
 */
export const labellingHead = (caller: Caller, projectId: string) => sql`head as (
      select m.role, r.id as round_id, r.index as round_index
      from ${projects} p
      left join ${memberships} m on m.project_id = p.id and m.user_id = ${caller.id}
      left join lateral (
        select id, index from ${rounds} where project_id = p.id and status = 'labeling' order by index desc limit 1
      ) r on true
      where p.id = ${projectId})`;

/** Whether the caller (by the `head` CTE's role) may label: a labeller or more, or a site admin. */
export function mayLabel(caller: Caller) {
  const roles = rolesAtLeast("labeler");
  return caller.isAdmin ? sql`true` : sql`(select role from head) in (${sql.join(roles.map((r) => sql`${r}`), sql`, `)})`;
}

/**
 * Leases the next task the caller may label in the project's labelling round, or null when none is left.
 * `FOR UPDATE SKIP LOCKED` makes concurrent claims take different tasks; a task is offered only while it needs
 * labels, is free (or its lease expired, or it is already the caller's), and the caller has not labelled it.
 * `exclude` skips tasks the client already holds (prefetching).
 *
 * This is the hottest path of the platform, so it is one statement: the caller's role and the labelling round,
 * the lease (only when the role allows it), and the task's state with its replay context. The caller's
 * own live lease comes first (a reload gets the same task back), then the most-labelled open task, oldest
 * first, along the partial index `tasks_claim_idx` (its `desc nulls last` must match the index, or the planner sorts
 * every open task instead of stopping at the first free one).
 */
export async function claimNextTask(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<TNextTask | null> {
  if (!ZProjectId.safeParse(projectId).success) throw notFound("Project not found");
  const { exclude } = ZClaimNext.parse(input ?? {});
  const allowed = mayLabel(caller);
  const open = sql`t.round_id = (select round_id from head) and ${labellableBy(caller, exclude)}`;
  const res = await executeHot<ClaimedRow>(db, "claim_next_task", sql`
    with ${labellingHead(caller, projectId)},
    picked as (
      update ${tasks} set lease_owner = ${caller.id}, lease_expires_at = now() + (${LEASE_MS} * interval '1 millisecond')
      where ${allowed} and id = coalesce(
        (select t.id from ${tasks} t where ${open} and t.lease_owner = ${caller.id}
          order by t.created_at, t.id limit 1 for update skip locked),
        (select t.id from ${tasks} t where ${open} and (t.lease_owner is null or t.lease_expires_at < now())
          order by t.label_count desc nulls last, t.created_at, t.id limit 1 for update skip locked))
      returning id, state_id, lease_expires_at, required, label_count),
    claimed as (
      select p.id as task_id, p.lease_expires_at, p.required, p.label_count,
        s.id as state_id, s.t as state_t, s.rollout_id, ro.length as rollout_length,
        c.t, c.observation, c.env_state, c.action, c.policy_action, c.frame_id, c.images
      from picked p
      join ${states} s on s.id = p.state_id
      join ${rollouts} ro on ro.id = s.rollout_id
      join ${states} c on c.rollout_id = s.rollout_id and c.t between greatest(0, s.t - ${CONTEXT_STEPS}) and s.t)
    select h.role, h.round_id, h.round_index, claimed.* from head h left join claimed on true
    order by claimed.t`);
  const rows = res.rows;
  const head = rows[0];
  checkRole(caller, head ?? null, "labeler");
  if (!head?.task_id) return null;
  publish([{ type: "tasks:claimed", projectId, userId: caller.id, count: 1 }]);
  return toNextTask(projectId, head, rows);
}

/** One claimed task as the API answers it, from its rows (one per step of replay context, oldest first). */
export function toNextTask(projectId: string, head: ClaimedRow, rows: ClaimedRow[]): TNextTask {
  const state = rows.find((r) => r.t === head.state_t);
  if (!state) throw new Error(`task ${head.task_id} has no state`);
  return {
    task: { id: head.task_id!, leaseExpiresAt: new Date(head.lease_expires_at).toISOString(), required: head.required, labelCount: head.label_count },
    state: { id: head.state_id, t: head.state_t, observation: state.observation, envState: state.env_state ?? null, frameUrl: frameUrl(projectId, state.frame_id), cameras: cameraFrames(projectId, state.images) },
    context: {
      rolloutId: head.rollout_id,
      roundIndex: head.round_index ?? 0,
      before: rows.map((b) => ({ t: b.t, observation: b.observation, envState: b.env_state ?? null, action: b.action ?? null, frameUrl: frameUrl(projectId, b.frame_id), cameras: cameraFrames(projectId, b.images) })),
      rolloutLength: head.rollout_length ?? head.state_t + 1,
    },
    policyAction: state.policy_action ?? null,
  };
}

/**
 * When `claimNextTask` found nothing: how many tasks of the labelling round the caller could still label once
 * they are free — leased to someone else, or locked this instant by a label being saved. Non-zero means "not
 * now, ask again" (the route answers 204 with `Retry-After`); zero means there is nothing left for this caller.
 */
export async function countWaitingTasks(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<number> {
  return countWaitingExcept(db, caller, projectId, ZClaimNext.parse(input ?? {}).exclude);
}

/** `countWaitingTasks` for an already parsed `exclude` list (the batched claim's). */
export async function countWaitingExcept(db: Db, caller: Caller, projectId: string, exclude: string[]): Promise<number> {
  const res = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from ${tasks} t join ${rounds} r on r.id = t.round_id
    where r.project_id = ${projectId}::uuid and r.status = 'labeling' and ${labellableBy(caller, exclude)}`);
  return Number(res.rows[0]?.n ?? 0);
}

