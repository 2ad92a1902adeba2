/** Rounds as the API shows them, with live progress counts. */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { TRound, TRoundMetrics } from "../../contracts/rounds";
import { labels, rollouts, rounds, states, tasks, type Round } from "../../db/schema";
import { notFound } from "../errors";
import type { DbOrTx } from "../../db/tx";

/** Task counts of a round (one indexed scan of its tasks): what the live progress bar needs. */
export async function taskProgress(db: DbOrTx, roundId: string) {
  const [t] = await db
    .select({
      tasksTotal: sql<number>`count(*)::int`,
      tasksDone: sql<number>`(count(*) filter (where ${tasks.labelCount} >= ${tasks.required}))::int`,
      labels: sql<number>`coalesce(sum(${tasks.labelCount}), 0)::int`,
    })
    .from(tasks)
    .where(eq(tasks.roundId, roundId));
  return { tasksTotal: t?.tasksTotal ?? 0, tasksDone: t?.tasksDone ?? 0, labels: t?.labels ?? 0 };
}

export async function roundProgress(db: DbOrTx, roundId: string) {
  const tasksPart = await taskProgress(db, roundId);
  const [r] = await db
    .select({
      rollouts: sql<number>`count(distinct ${rollouts.id})::int`,
      states: sql<number>`count(${states.id})::int`,
      externalSteps: sql<number>`(count(${states.id}) filter (where ${rollouts.source} = 'external'))::int`,
      interventions: sql<number>`(count(${states.id}) filter (where ${states.intervention}))::int`,
    })
    .from(rollouts)
    .leftJoin(states, eq(states.rolloutId, rollouts.id))
    .where(eq(rollouts.roundId, roundId));
  const interventions = r?.interventions ?? 0;
  // The share of the robot's steps where a person took over: the number HG-DAgger and ThriftyDAgger drive down.
  const interventionRate = r?.externalSteps ? interventions / r.externalSteps : null;
  return { ...tasksPart, rollouts: r?.rollouts ?? 0, states: r?.states ?? 0, interventions, interventionRate };
}

export async function toRoundView(db: DbOrTx, round: Round): Promise<TRound> {
  const progress = await roundProgress(db, round.id);
  const stored = (round.progress ?? {}) as { training?: unknown; finetune?: unknown };
  return {
    id: round.id,
    projectId: round.projectId,
    index: round.index,
    status: round.status,
    error: round.error,
    failedFrom: round.failedFrom,
    beta: round.beta,
    policyId: round.policyId,
    resultPolicyId: round.resultPolicyId,
    datasetVersion: round.datasetVersion,
    progress: { ...progress, ...(stored.training ? { training: stored.training } : {}), ...(stored.finetune ? { finetune: stored.finetune } : {}) },
    metrics: (round.metrics as TRoundMetrics | null) ?? null,
    createdAt: round.createdAt.toISOString(),
    updatedAt: round.updatedAt.toISOString(),
  };
}

export async function findRound(db: DbOrTx, projectId: string, index: number): Promise<Round> {
  if (!Number.isInteger(index) || index < 0) throw notFound("Round not found");
  const [round] = await db.select().from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.index, index)));
  if (!round) throw notFound("Round not found");
  return round;
}

export async function latestRound(db: DbOrTx, projectId: string): Promise<Round | null> {
  const [round] = await db.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1);
  return round ?? null;
}

export async function listRoundRows(db: DbOrTx, projectId: string): Promise<Round[]> {
  return db.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(asc(rounds.index));
}

/** Labels by a user in a round (for personal progress). */
export async function userLabelCount(db: DbOrTx, roundId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(labels)
    .innerJoin(tasks, eq(tasks.id, labels.taskId))
    .where(and(eq(tasks.roundId, roundId), eq(labels.userId, userId)));
  return row?.n ?? 0;
}
