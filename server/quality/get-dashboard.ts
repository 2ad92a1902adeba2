/**
 * Lead-only: the rounds dashboard — every round with its progress, agreement, dataset size, training time
 * and backend, the learning curve (evaluation normalised return per round) with its reference lines (the
 * scripted expert = 1.0, behaviour cloning = round 0), the latest loss curve, and the efficacy benchmark's
 * reference curves for the project's env (reference-curves.ts).
 */
import { desc, eq, sql } from "drizzle-orm";
import type { TDashboard, TDashboardRound } from "../../contracts/dashboard";
import type { TRoundMetrics } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { datasetVersions, policies, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { projectSpec } from "../projects/project-spec";
import { listRoundRows } from "../rounds/round-view";
import { referenceCurvesFor } from "./reference-curves";

interface StoredTraining {
  epoch?: number;
  epochs?: number;
  loss?: number;
  valLoss?: number | null;
  backend?: string;
  trainMs?: number;
}
interface PolicyTraining {
  backend?: string;
  finalLoss?: number;
  timings?: { totalMs?: number };
  lossCurve?: { epoch: number; loss: number; valLoss?: number | null }[];
}

export async function getDashboard(db: Db, caller: Caller, projectId: string): Promise<TDashboard> {
  await authorizeProject(db, caller, projectId, "lead");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new Error("project vanished after authorisation");
  const spec = projectSpec(project);
  const roundRows = await listRoundRows(db, projectId);

  const grouped = async <T extends Record<string, unknown>>(q: ReturnType<typeof sql>) => (await db.execute<T & { round_id: string }>(q)).rows;
  const taskStats = await grouped<{ total: number; done: number; labels: number }>(sql`
    select round_id, count(*)::int as total, (count(*) filter (where label_count >= required))::int as done, coalesce(sum(label_count), 0)::int as labels
    from tasks where project_id = ${projectId} and required > 0 group by round_id`);
  const rolloutStats = await grouped<{ rollouts: number; states: number; external_steps: number }>(sql`
    select round_id, count(*)::int as rollouts, coalesce(sum(length), 0)::int as states,
      coalesce(sum(length) filter (where source = 'external'), 0)::int as external_steps
    from rollouts where project_id = ${projectId} group by round_id`);
  const interventionStats = await grouped<{ interventions: number }>(sql`
    select ro.round_id, count(*)::int as interventions
    from states s join rollouts ro on ro.id = s.rollout_id where s.project_id = ${projectId} and s.intervention group by ro.round_id`);
  const aggStats = await grouped<{ agreement: number | null; in_review: number }>(sql`
    select a.round_id, (avg(a.agreement) filter (where a.reason is distinct from 'gold'))::float8 as agreement,
      (count(*) filter (where a.status = 'review'))::int as in_review
    from aggregated_labels a join rounds r on r.id = a.round_id where r.project_id = ${projectId} group by a.round_id`);
  const versions = await db.select({ version: datasetVersions.version, sampleCount: datasetVersions.sampleCount }).from(datasetVersions).where(eq(datasetVersions.projectId, projectId));
  const policyRows = await db
    .select({ id: policies.id, version: policies.version, training: policies.training, publishedAt: policies.publishedAt })
    .from(policies)
    .where(eq(policies.projectId, projectId))
    .orderBy(desc(policies.version));
  const byRound = <T extends { round_id: string }>(rows: T[], id: string) => rows.find((r) => r.round_id === id);

  const rounds: TDashboardRound[] = roundRows.map((r) => {
    const t = byRound(taskStats, r.id);
    const ro = byRound(rolloutStats, r.id);
    const a = byRound(aggStats, r.id);
    const policy = policyRows.find((p) => p.id === r.resultPolicyId);
    const pt = (policy?.training ?? {}) as PolicyTraining;
    const live = ((r.progress ?? {}) as { training?: StoredTraining }).training;
    const metrics = r.metrics as TRoundMetrics | null;
    return {
      index: r.index,
      status: r.status,
      error: r.error,
      failedFrom: r.failedFrom,
      beta: r.beta,
      rollouts: ro?.rollouts ?? 0,
      states: ro?.states ?? 0,
      tasksTotal: t?.total ?? 0,
      tasksDone: t?.done ?? 0,
      labels: t?.labels ?? 0,
      agreement: a?.agreement ?? null,
      inReview: a?.in_review ?? 0,
      datasetVersion: r.datasetVersion,
      datasetSize: r.datasetVersion === null ? null : (versions.find((v) => v.version === r.datasetVersion)?.sampleCount ?? null),
      policyVersion: policy?.version ?? null,
      trainMs: live?.trainMs ?? pt.timings?.totalMs ?? null,
      backend: live?.backend ?? pt.backend ?? null,
      finalLoss: pt.finalLoss ?? null,
      training: live && typeof live.epoch === "number" && typeof live.epochs === "number" ? { epoch: live.epoch, epochs: live.epochs, loss: live.loss ?? NaN, valLoss: live.valLoss ?? null } : null,
      normalizedReturn: metrics?.normalizedReturn ?? null,
      meanReturn: metrics?.meanReturn ?? null,
      successRate: metrics?.successRate ?? null,
      interventions: byRound(interventionStats, r.id)?.interventions ?? 0,
      interventionRate: ro?.external_steps ? (byRound(interventionStats, r.id)?.interventions ?? 0) / ro.external_steps : null,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  });

  const points = rounds
    .filter((r) => r.status === "published" && r.normalizedReturn !== null)
    .map((r) => ({ round: r.index, normalizedReturn: r.normalizedReturn as number, samples: r.datasetSize }));
  const latest = policyRows[0];
  const latestCurve = (latest?.training as PolicyTraining | undefined)?.lossCurve;
  const published = policyRows.filter((p) => p.publishedAt).sort((x, y) => (y.publishedAt as Date).getTime() - (x.publishedAt as Date).getTime() || y.version - x.version)[0];
  return {
    project: { id: project.id, name: project.name, envId: project.envId, hasExpert: Boolean(spec.env?.hasExpert), external: !project.envId },
    rounds,
    curve: {
      points,
      expert: 1,
      bc: points.find((p) => p.round === 0)?.normalizedReturn ?? null,
      interventionRates: rounds.flatMap((r) => (r.interventionRate === null ? [] : [{ round: r.index, rate: r.interventionRate }])),
    },
    lastLossCurve: latest && latestCurve ? { round: roundRows.find((r) => r.resultPolicyId === latest.id)?.index ?? -1, points: latestCurve } : null,
    reviewPending: rounds.reduce((s, r) => s + r.inReview, 0),
    publishedPolicyVersion: published?.version ?? null,
    references: referenceCurvesFor(project.envId),
  };
}
