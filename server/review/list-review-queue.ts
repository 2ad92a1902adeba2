/**
 * Lead-only: the review queue — aggregated states with status `review` (labels disagreed, or half or more
 * said "can't tell"), oldest round first, each with every label, the policy's action and the rollout up to
 * the state for replay.
 */
import { and, asc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { REVIEW_CONTEXT_STEPS, ZReviewQuery, type TReplayStep, type TReviewItem, type TReviewPage } from "../../contracts/review";
import type { Db } from "../../db/client";
import { aggregatedLabels, labels, rollouts, rounds, states, tasks, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";

export async function listReviewQueue(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<TReviewPage> {
  await authorizeProject(db, caller, projectId, "lead");
  const { offset, limit } = ZReviewQuery.parse(input ?? {});
  const where = and(eq(rounds.projectId, projectId), eq(aggregatedLabels.status, "review"));
  const [{ total } = { total: 0 }] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(aggregatedLabels)
    .innerJoin(rounds, eq(rounds.id, aggregatedLabels.roundId))
    .where(where);
  const rows = await db
    .select({
      id: aggregatedLabels.id,
      roundId: aggregatedLabels.roundId,
      roundIndex: rounds.index,
      stateId: aggregatedLabels.stateId,
      reason: aggregatedLabels.reason,
      agreement: aggregatedLabels.agreement,
      labelCount: aggregatedLabels.labelCount,
      createdAt: aggregatedLabels.createdAt,
      rolloutId: states.rolloutId,
      t: states.t,
      observation: states.observation,
      envState: states.envState,
      action: states.action,
      policyAction: states.policyAction,
      uncertainty: states.uncertainty,
      rolloutLength: rollouts.length,
    })
    .from(aggregatedLabels)
    .innerJoin(rounds, eq(rounds.id, aggregatedLabels.roundId))
    .innerJoin(states, eq(states.id, aggregatedLabels.stateId))
    .innerJoin(rollouts, eq(rollouts.id, states.rolloutId))
    .where(where)
    .orderBy(asc(rounds.index), asc(rollouts.createdAt), asc(states.rolloutId), asc(states.t), asc(aggregatedLabels.id))
    .offset(offset)
    .limit(limit);
  if (rows.length === 0) return { items: [], total, offset, limit };

  // Labels of the item's round on its state (the task of that round).
  const labelRows = await db
    .select({
      id: labels.id,
      roundId: tasks.roundId,
      stateId: labels.stateId,
      userId: labels.userId,
      userName: users.name,
      action: labels.action,
      cantTell: labels.cantTell,
      durationMs: labels.durationMs,
      createdAt: labels.createdAt,
    })
    .from(labels)
    .innerJoin(tasks, eq(tasks.id, labels.taskId))
    .innerJoin(users, eq(users.id, labels.userId))
    .where(and(inArray(tasks.roundId, [...new Set(rows.map((r) => r.roundId))]), inArray(labels.stateId, rows.map((r) => r.stateId))))
    .orderBy(asc(labels.createdAt));

  const items: TReviewItem[] = [];
  for (const r of rows) {
    const context = await db
      .select({ t: states.t, observation: states.observation, envState: states.envState, action: states.action })
      .from(states)
      .where(and(eq(states.rolloutId, r.rolloutId), gte(states.t, Math.max(0, r.t - REVIEW_CONTEXT_STEPS + 1)), lte(states.t, r.t)))
      .orderBy(asc(states.t));
    items.push({
      id: r.id,
      roundIndex: r.roundIndex,
      stateId: r.stateId,
      reason: r.reason,
      agreement: r.agreement,
      labelCount: r.labelCount,
      labels: labelRows
        .filter((l) => l.roundId === r.roundId && l.stateId === r.stateId)
        .map((l) => ({ id: l.id, userId: l.userId, userName: l.userName, action: l.action ?? null, cantTell: l.cantTell, durationMs: l.durationMs, createdAt: l.createdAt.toISOString() })),
      state: { t: r.t, observation: r.observation, envState: r.envState ?? null, action: r.action ?? null, policyAction: r.policyAction ?? null, uncertainty: r.uncertainty },
      context: context.map((c): TReplayStep => ({ t: c.t, observation: c.observation, envState: c.envState ?? null, action: c.action ?? null })),
      rolloutId: r.rolloutId,
      rolloutLength: r.rolloutLength,
      createdAt: r.createdAt.toISOString(),
    });
  }
  return { items, total, offset, limit };
}
