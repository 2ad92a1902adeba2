import { and, asc, count, eq, lte } from "drizzle-orm";
import { ZDatasetSamplesQuery, type TDatasetSamplePage } from "../../contracts/datasets";
import type { Db } from "../../db/client";
import { datasetSamples, datasetVersions } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";

/** Lead-only: one page of dataset version `version` (every sample with `version ≤` it), oldest first. */
export async function listDatasetSamples(db: Db, caller: Caller, projectId: string, version: number, input: unknown): Promise<TDatasetSamplePage> {
  await authorizeProject(db, caller, projectId, "lead");
  const q = ZDatasetSamplesQuery.parse(input);
  const [v] = await db.select({ version: datasetVersions.version }).from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const where = and(eq(datasetSamples.projectId, projectId), lte(datasetSamples.version, version), q.source ? eq(datasetSamples.source, q.source) : undefined);
  const [total] = await db.select({ n: count() }).from(datasetSamples).where(where);
  const rows = await db.select().from(datasetSamples).where(where).orderBy(asc(datasetSamples.id)).offset(q.offset).limit(q.limit);
  return {
    samples: rows.map((r) => ({ id: r.id, version: r.version, source: r.source, episode: r.episode, frameIndex: r.frameIndex, stateId: r.stateId, observation: r.observation, action: r.action })),
    total: total?.n ?? 0,
    offset: q.offset,
    limit: q.limit,
  };
}
