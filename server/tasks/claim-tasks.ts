import { sql } from "drizzle-orm";
import { ZClaimTasks, type TClaimedTasks, type TNextTask } from "../../contracts/rounds";
import { ZProjectId } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { rollouts, states, tasks } from "../../db/schema";
import { checkRole, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { publish } from "../realtime/bus";
import { CONTEXT_STEPS, countWaitingExcept, labellingHead, mayLabel } from "./claim-next-task";
import { cameraFrames, frameUrl } from "./frame-url";
import { LEASE_MS } from "./lease";

type Json = number | number[] | null;
/** One step of replay context, as the statement aggregates it (short keys: a batch carries a few thousand). */
interface StepJson {
  r: string;
  t: number;
  o: number[];
  e: number[] | null;
  a: Json;
  p: Json;
  f: string | null;
  /** Camera → frame id (image observations), null otherwise. */
  i: Record<string, string> | null;
}
interface HeadRow extends Record<string, unknown> {
  role: string | null;
  round_id: string | null;
  round_index: number | null;
  tasks: { id: string; lease_expires_at: string; required: number; label_count: number; state_id: string; state_t: number; rollout_id: string; rollout_length: number | null }[] | null;
  steps: StepJson[] | null;
}

/** A uuid[] literal for one bound parameter: every length of `exclude` shares one prepared statement. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/**
 * Leases up to `count` tasks the caller may label in the project's labelling round — the batched
 * `claimNextTask`, with the same rules and order: the caller's own live leases first, then free tasks (never
 * leased, released, or expired) with the most labels, oldest first, all in ONE statement. `FOR UPDATE SKIP LOCKED`
 * makes concurrent claimers take disjoint sets (a row another claim holds locked is skipped, not waited for).
 * Both candidate lists lock up to `count` rows; the update keeps the first `count` of the two and the rest are
 * unlocked again at commit, a moment later. The answer is one row: the tasks and the union of their replay
 * context, as JSON, each step once (a batch of 20 neighbouring states reads ~80 steps, not 20 × 61).
 *
 * An empty `tasks` is not an error: `waiting` then says whether tasks the caller may label are only held by
 * others for now (ask again) or nothing is left.
 */
export async function claimTasks(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TClaimedTasks> {
  if (!ZProjectId.safeParse(projectId).success) throw notFound("Project not found");
  const { count, exclude } = ZClaimTasks.parse(input ?? {});
  const allowed = mayLabel(caller);
  const open = sql`t.round_id = (select round_id from head) and t.label_count < t.required
    and not exists (select 1 from labels l where l.task_id = t.id and l.user_id = ${caller.id})
    and t.id <> all(${uuidArray(exclude)}::uuid[])`;
  const res = await executeHot<HeadRow>(db, "claim_tasks", sql`
    with ${labellingHead(caller, projectId)},
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
    pt as (
      select p.*, s.t as state_t, s.rollout_id, ro.length as rollout_length, p.id in (select id from own) as mine
      from picked p join ${states} s on s.id = p.state_id join ${rollouts} ro on ro.id = s.rollout_id),
    -- Neighbouring tasks of one rollout share most of their replay context: their windows are merged into
    -- ranges (gaps and islands over the batch's <= count windows) and each range is read by one scan of the
    -- (rollout_id, t) index, so each step is read (and sent from the database) once however many windows it is in,
    -- and never through a scan of the whole states table (which the planner chose for a join on a set of steps).
    win as (
      select rollout_id, greatest(0, state_t - ${CONTEXT_STEPS}) as lo, state_t as hi,
        max(state_t) over (partition by rollout_id order by greatest(0, state_t - ${CONTEXT_STEPS}), state_t
          rows between unbounded preceding and 1 preceding) as prev_hi
      from pt),
    isl as (
      select rollout_id, lo, hi, count(*) filter (where prev_hi is null or lo > prev_hi + 1)
        over (partition by rollout_id order by lo, hi rows between unbounded preceding and current row) as g
      from win),
    rng as (select rollout_id, min(lo) as lo, max(hi) as hi from isl group by rollout_id, g),
    steps as (
      select c.rollout_id, c.t, c.observation, c.env_state, c.action, c.policy_action, c.frame_id, c.images
      from rng cross join lateral (
        select s.rollout_id, s.t, s.observation, s.env_state, s.action, s.policy_action, s.frame_id, s.images
        from ${states} s where s.rollout_id = rng.rollout_id and s.t between rng.lo and rng.hi
        -- Never more rows than the range holds; a LIMIT also keeps the planner from flattening this into a hash join.
        limit rng.hi - rng.lo + 1) c)
    select h.role, h.round_id, h.round_index,
      (select json_agg(json_build_object('id', id, 'lease_expires_at', lease_expires_at, 'required', required, 'label_count', label_count,
          'state_id', state_id, 'state_t', state_t, 'rollout_id', rollout_id, 'rollout_length', rollout_length)
        order by mine desc, label_count desc, created_at, id) from pt) as tasks,
      (select json_agg(json_build_object('r', rollout_id, 't', t, 'o', observation, 'e', env_state, 'a', action, 'p', policy_action, 'f', frame_id, 'i', images)
        order by rollout_id, t) from steps) as steps
    from head h`);
  const head = res.rows[0];
  checkRole(caller, head ?? null, "labeler");
  if (!head?.tasks?.length) return { tasks: [], waiting: await countWaitingExcept(db, caller, projectId, exclude) };
  const byRollout = new Map<string, StepJson[]>();
  for (const step of head.steps ?? []) {
    let list = byRollout.get(step.r);
    if (!list) byRollout.set(step.r, (list = []));
    list.push(step);
  }
  const out: TNextTask[] = head.tasks.map((t) => {
    const before = (byRollout.get(t.rollout_id) ?? []).filter((c) => c.t >= t.state_t - CONTEXT_STEPS && c.t <= t.state_t);
    const state = before.at(-1);
    if (!state || state.t !== t.state_t) throw new Error(`task ${t.id} has no state`);
    return {
      task: { id: t.id, leaseExpiresAt: new Date(t.lease_expires_at).toISOString(), required: t.required, labelCount: t.label_count },
      state: { id: t.state_id, t: t.state_t, observation: state.o, envState: state.e ?? null, frameUrl: frameUrl(projectId, state.f), cameras: cameraFrames(projectId, state.i) },
      context: {
        rolloutId: t.rollout_id,
        roundIndex: head.round_index ?? 0,
        before: before.map((b) => ({ t: b.t, observation: b.o, envState: b.e ?? null, action: b.a ?? null, frameUrl: frameUrl(projectId, b.f), cameras: cameraFrames(projectId, b.i) })),
        rolloutLength: t.rollout_length ?? t.state_t + 1,
      },
      policyAction: state.p ?? null,
    };
  });
  publish([{ type: "tasks:claimed", projectId, userId: caller.id, count: out.length }]);
  return { tasks: out, waiting: 0 };
}
