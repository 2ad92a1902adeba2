import type { TDatasetDiff, TDatasetVersionDetail, TDatasetVersionSummary } from "../../contracts/datasets";
import type { Db } from "../../db/client";
import { sql } from "drizzle-orm";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { actionHistogram, versionSummaries } from "./dataset-summary";

/** Lead-only: every dataset version with its counts by source (cumulative and added) and checksum. */
export async function listDatasetVersions(db: Db, caller: Caller, projectId: string): Promise<TDatasetVersionSummary[]> {
  await authorizeProject(db, caller, projectId, "lead");
  return versionSummaries(db, projectId);
}

/** Lead-only: one version — where its samples came from (per version and source), episodes, action histogram. */
export async function getDatasetVersion(db: Db, caller: Caller, projectId: string, version: number): Promise<TDatasetVersionDetail> {
  await authorizeProject(db, caller, projectId, "lead");
  const summary = (await versionSummaries(db, projectId)).find((v) => v.version === version);
  if (!summary) throw notFound("Dataset version not found");
  const spec = await loadProjectSpec(db, projectId);
  const byVersion = await db.execute<{ version: number; source: string; count: number }>(sql`
    select version, source, count(*)::int as count from dataset_samples
    where project_id = ${projectId} and version <= ${version} group by version, source order by version, source`);
  const [episodes] = (
    await db.execute<{ n: number }>(sql`select count(*)::int as n from (select distinct version, episode from dataset_samples where project_id = ${projectId} and version <= ${version}) e`)
  ).rows;
  return { ...summary, byVersion: byVersion.rows, episodes: episodes?.n ?? 0, histogram: await actionHistogram(db, projectId, spec.actionSpace, -1, version) };
}

/** Lead-only: what version `to` adds to version `from` (versions are append-only: nothing is removed). */
export async function diffDatasetVersions(db: Db, caller: Caller, projectId: string, from: number, to: number): Promise<TDatasetDiff> {
  await authorizeProject(db, caller, projectId, "lead");
  if (!(from >= 0 && to >= 0)) throw new AppError("VALIDATION", "from and to must be version numbers", { fieldErrors: { from: ["required"], to: ["required"] } });
  if (from >= to) throw new AppError("VALIDATION", "from must be an older version than to", { fieldErrors: { from: ["must be below to"] } });
  const all = await versionSummaries(db, projectId);
  const a = all.find((v) => v.version === from);
  const b = all.find((v) => v.version === to);
  if (!a || !b) throw notFound("Dataset version not found");
  const spec = await loadProjectSpec(db, projectId);
  const between = all.filter((v) => v.version > from && v.version <= to);
  const addedBySource: Record<string, number> = {};
  for (const v of between) for (const [s, n] of Object.entries(v.addedBySource)) addedBySource[s] = (addedBySource[s] ?? 0) + n;
  return {
    from: a,
    to: b,
    added: b.sampleCount - a.sampleCount,
    addedBySource,
    addedByVersion: between.map((v) => ({ version: v.version, count: v.addedCount })),
    histogramFrom: await actionHistogram(db, projectId, spec.actionSpace, -1, from),
    histogramTo: await actionHistogram(db, projectId, spec.actionSpace, -1, to),
  };
}
