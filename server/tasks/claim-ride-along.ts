import { and, asc, eq, gte, lte, sql } from "drizzle-orm";
import { ZClaimRideAlong, type TRideAlong } from "../../contracts/labeling";
import type { Db } from "../../db/client";
import { rollouts, rounds, states, tasks } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { transactionWithEvents } from "../realtime/with-events";
import { LEASE_MS } from "./lease";
import { cameraFrames, frameUrl } from "./frame-url";

/** Steps replayed before the first leased state, so the ride starts with some context. */
export const RIDE_LEAD_IN = 20;

/**
 * Ride-along: leases the open tasks of ONE rollout of the labelling round (the one with most tasks the
 * caller may label, skipping `excludeRollouts`), up to `maxTasks` in step order, and returns the rollout's
 * steps from a short lead-in before the first task to the last one. The same rules as `claimNextTask`
 * apply per task (still needs labels, free or expired or the caller's, not labelled by the caller), and
 * `FOR UPDATE SKIP LOCKED` keeps concurrent claims apart. Null when nothing is left.
 */
export async function claimRideAlong(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<TRideAlong | null> {
  await authorizeProject(db, caller, projectId, "labeler");
  const { maxTasks, excludeRollouts } = ZClaimRideAlong.parse(input ?? {});
  return transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx
      .select({ id: rounds.id, index: rounds.index })
      .from(rounds)
      .where(and(eq(rounds.projectId, projectId), eq(rounds.status, "labeling")))
      .orderBy(sql`${rounds.index} desc`)
      .limit(1);
    if (!round) return null;
    const open = sql`t.round_id = ${round.id} and t.label_count < t.required
      and (t.lease_owner is null or t.lease_expires_at < now() or t.lease_owner = ${caller.id})
      and not exists (select 1 from labels l where l.task_id = t.id and l.user_id = ${caller.id})`;
    const skip = excludeRollouts.length ? sql`and s.rollout_id not in (${sql.join(excludeRollouts.map((id) => sql`${id}::uuid`), sql`, `)})` : sql``;
    const best = await tx.execute<{ rollout_id: string }>(sql`
      select s.rollout_id from ${tasks} t join ${states} s on s.id = t.state_id
      where ${open} ${skip}
      group by s.rollout_id order by count(*) desc, s.rollout_id limit 1`);
    const rolloutId = best.rows[0]?.rollout_id;
    if (!rolloutId) return null;
    const picked = await tx.execute<{ id: string; state_id: string; t: number }>(sql`
      select t.id, t.state_id, s.t from ${tasks} t join ${states} s on s.id = t.state_id
      where ${open} and s.rollout_id = ${rolloutId}::uuid
      order by s.t limit ${maxTasks}
      for update of t skip locked`);
    if (picked.rows.length === 0) return null;
    const ids = picked.rows.map((r) => r.id);
    const leased = await tx
      .update(tasks)
      .set({ leaseOwner: caller.id, leaseExpiresAt: sql`now() + (${LEASE_MS} * interval '1 millisecond')` })
      .where(sql`${tasks.id} in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`)
      .returning({ id: tasks.id, leaseExpiresAt: tasks.leaseExpiresAt });
    const expiry = new Map(leased.map((l) => [l.id, (l.leaseExpiresAt ?? new Date()).toISOString()]));
    const first = Math.min(...picked.rows.map((r) => Number(r.t)));
    const last = Math.max(...picked.rows.map((r) => Number(r.t)));
    const [rollout] = await tx.select({ length: rollouts.length }).from(rollouts).where(eq(rollouts.id, rolloutId));
    const steps = await tx
      .select({ t: states.t, observation: states.observation, envState: states.envState, action: states.action, policyAction: states.policyAction, frameId: states.frameId, images: states.images })
      .from(states)
      .where(and(eq(states.rolloutId, rolloutId), gte(states.t, Math.max(0, first - RIDE_LEAD_IN)), lte(states.t, last)))
      .orderBy(asc(states.t));
    emit({ type: "tasks:claimed", projectId, userId: caller.id, count: ids.length });
    return {
      rolloutId,
      roundIndex: round.index,
      rolloutLength: rollout?.length ?? last + 1,
      tasks: picked.rows.map((r) => ({ taskId: r.id, stateId: r.state_id, t: Number(r.t), leaseExpiresAt: expiry.get(r.id) ?? new Date().toISOString() })),
      steps: steps.map((s) => ({ t: s.t, observation: s.observation, envState: s.envState ?? null, action: s.action ?? null, policyAction: s.policyAction ?? null, frameUrl: frameUrl(projectId, s.frameId), cameras: cameraFrames(projectId, s.images) })),
    };
  });
}
