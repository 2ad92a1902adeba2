import { and, asc, desc, eq, gte, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { TNextTask } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { rollouts, rounds, states, tasks } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { transactionWithEvents } from "../realtime/with-events";
import { LEASE_MS } from "./lease";

export const ZClaimNext = z.object({ exclude: z.array(z.uuid()).max(20).default([]) }).strict();
/** Steps of the rollout sent before the state, for replay with temporal context. */
export const CONTEXT_STEPS = 60;

/** Tasks `t` that still need labels, that the caller has not labelled, and that the client does not already hold. */
function labellableBy(caller: Caller, exclude: string[]) {
  const excludeSql = exclude.length ? sql`and t.id not in (${sql.join(exclude.map((id) => sql`${id}::uuid`), sql`, `)})` : sql``;
  return sql`t.label_count < t.required
    and not exists (select 1 from labels l where l.task_id = t.id and l.user_id = ${caller.id})
    ${excludeSql}`;
}

const frameUrl = (projectId: string, frameId: string | null) => (frameId ? `/api/v1/projects/${projectId}/frames/${frameId}` : null);

/**
 * Leases the next task the caller may label in the project's labelling round, or null when none is left.
 * `FOR UPDATE SKIP LOCKED` makes concurrent claims take different tasks; a task is offered only while it needs
 * labels, is free (or its lease expired, or it is already the caller's), and the caller has not labelled it.
 * `exclude` skips tasks the client already holds (prefetching).
 */
export async function claimNextTask(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<TNextTask | null> {
  await authorizeProject(db, caller, projectId, "labeler");
  const { exclude } = ZClaimNext.parse(input ?? {});
  return transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx
      .select({ id: rounds.id, index: rounds.index })
      .from(rounds)
      .where(and(eq(rounds.projectId, projectId), eq(rounds.status, "labeling")))
      .orderBy(desc(rounds.index))
      .limit(1);
    if (!round) return null;
    const picked = await tx.execute<{ id: string }>(sql`
      select t.id from ${tasks} t
      where t.round_id = ${round.id} and ${labellableBy(caller, exclude)}
        and (t.lease_owner is null or t.lease_expires_at < now() or t.lease_owner = ${caller.id})
      order by (t.lease_owner is not distinct from ${caller.id}::uuid) desc, t.label_count desc, t.created_at, t.id
      limit 1
      for update skip locked`);
    const taskId = picked.rows[0]?.id;
    if (!taskId) return null;
    const [task] = await tx
      .update(tasks)
      .set({ leaseOwner: caller.id, leaseExpiresAt: sql`now() + (${LEASE_MS} * interval '1 millisecond')` })
      .where(eq(tasks.id, taskId))
      .returning();
    if (!task) return null;
    const [state] = await tx.select().from(states).where(eq(states.id, task.stateId));
    if (!state) throw new Error(`task ${task.id} has no state`);
    const [rollout] = await tx.select({ length: rollouts.length }).from(rollouts).where(eq(rollouts.id, state.rolloutId));
    const before = await tx
      .select({ t: states.t, observation: states.observation, envState: states.envState, action: states.action, frameId: states.frameId })
      .from(states)
      .where(and(eq(states.rolloutId, state.rolloutId), gte(states.t, Math.max(0, state.t - CONTEXT_STEPS)), lte(states.t, state.t)))
      .orderBy(asc(states.t));
    emit({ type: "task:claimed", projectId, taskId: task.id, userId: caller.id });
    return {
      task: { id: task.id, leaseExpiresAt: (task.leaseExpiresAt ?? new Date()).toISOString(), required: task.required, labelCount: task.labelCount },
      state: { id: state.id, t: state.t, observation: state.observation, envState: state.envState ?? null, frameUrl: frameUrl(projectId, state.frameId) },
      context: {
        rolloutId: state.rolloutId,
        roundIndex: round.index,
        before: before.map((b) => ({ t: b.t, observation: b.observation, envState: b.envState ?? null, action: b.action ?? null, frameUrl: frameUrl(projectId, b.frameId) })),
        rolloutLength: rollout?.length ?? state.t + 1,
      },
      policyAction: state.policyAction ?? null,
    };
  });
}

/**
 * When `claimNextTask` found nothing: how many tasks of the labelling round the caller could still label once
 * they are free — leased to someone else, or locked this instant by a label being saved. Non-zero means "not
 * now, ask again" (the route answers 204 with `Retry-After`); zero means there is nothing left for this caller.
 */
export async function countWaitingTasks(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<number> {
  const { exclude } = ZClaimNext.parse(input ?? {});
  const res = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from ${tasks} t join ${rounds} r on r.id = t.round_id
    where r.project_id = ${projectId}::uuid and r.status = 'labeling' and ${labellableBy(caller, exclude)}`);
  return Number(res.rows[0]?.n ?? 0);
}

