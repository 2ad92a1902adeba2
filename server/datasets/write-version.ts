/**
 * Appending a dataset version (the aggregation job: round i → version i), with its checksum and counts by
 * source (version-content.ts; dataset imports stage theirs in batches: server/rounds/import-dataset.ts).
 */
import { and, desc, eq, lt } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk-insert";
import { datasetSamples, datasetVersions } from "../../db/schema";
import type { Tx } from "../../db/tx";
import { addToChecksum, countBySource, EMPTY_CHECKSUM } from "./version-content";

export interface DatasetSampleInput {
  stateId: string | null;
  observation: number[];
  action: number | number[];
  source: string;
  episode: number;
  frameIndex: number;
  /**
   * An import into a `Dict`-observation project: camera → PNG bytes, to be stored as frames with a state of their
   * own before the sample is written (server/datasets/stage-import-images.ts); never a column.
   */
  images?: Record<string, Uint8Array>;
}

/** Appends the samples as version `version`, with cumulative counts by source and the content checksum. */
export async function writeVersion(tx: Tx, projectId: string, roundId: string | null, version: number, samples: DatasetSampleInput[]): Promise<void> {
  const [prev] = await tx
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.projectId, projectId), lt(datasetVersions.version, version)))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  const rows = samples.map((s) => ({ projectId, version, ...s }));
  await bulkInsert(tx, datasetSamples, rows);
  const bySource = countBySource(prev?.counts, samples);
  await tx.insert(datasetVersions).values({
    projectId,
    version,
    roundId,
    sampleCount: (prev?.sampleCount ?? 0) + samples.length,
    addedCount: samples.length,
    counts: { bySource, added: samples.length },
    checksum: addToChecksum(prev?.checksum ?? EMPTY_CHECKSUM, samples),
  });
}
