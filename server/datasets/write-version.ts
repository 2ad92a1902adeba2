/**
 * Appending a dataset version, shared by the aggregation job (round i → version i) and dataset imports.
 *
 * The checksum depends only on the content of the version — the multiset of samples (observation, action,
 * source) with version ≤ v — never on how they were split into versions, their order, ids, episodes or the
 * project. It is Σ sha256(JSON([observation, action, source])) mod 2²⁵⁶ as 64 hex digits, which can be
 * updated incrementally (version v = version v−1's sum + the new samples' digests), and which an export
 * re-imported into another project reproduces exactly (see docs/LEADS.md, "Datasets").
 */
import { createHash } from "node:crypto";
import { and, desc, eq, lt } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk-insert";
import { datasetSamples, datasetVersions } from "../../db/schema";
import type { Tx } from "../jobs/queue";

export interface DatasetSampleInput {
  stateId: string | null;
  observation: number[];
  action: number | number[];
  source: string;
  episode: number;
  frameIndex: number;
}

const MOD = 1n << 256n;
export const EMPTY_CHECKSUM = "0".repeat(64);

/** The digest of one sample's content, as a 256-bit integer. */
export function sampleDigest(s: Pick<DatasetSampleInput, "observation" | "action" | "source">): bigint {
  return BigInt(`0x${createHash("sha256").update(JSON.stringify([s.observation, s.action, s.source])).digest("hex")}`);
}

/** `previous` (a checksum, or empty) plus the samples' digests. Order-independent. */
export function addToChecksum(previous: string | null | undefined, samples: Iterable<Pick<DatasetSampleInput, "observation" | "action" | "source">>): string {
  let sum = /^[0-9a-f]{64}$/.test(previous ?? "") ? BigInt(`0x${previous}`) : 0n;
  for (const s of samples) sum = (sum + sampleDigest(s)) % MOD;
  return sum.toString(16).padStart(64, "0");
}

/** Appends the samples as version `version`, with cumulative counts by source and the content checksum. */
export async function writeVersion(tx: Tx, projectId: string, roundId: string | null, version: number, samples: DatasetSampleInput[]): Promise<void> {
  await writeVersionInBatches(tx, projectId, roundId, version, [samples]);
}

/**
 * {@link writeVersion} over batches (imports read them page by page): each batch is inserted, counted and
 * added to the checksum, then the event loop gets a turn (`setImmediate`) before the next — so a 100k-sample
 * import inside one transaction does not hold every other request until it commits (bench/export.ts).
 */
export async function writeVersionInBatches(
  tx: Tx,
  projectId: string,
  roundId: string | null,
  version: number,
  batches: Iterable<DatasetSampleInput[]> | AsyncIterable<DatasetSampleInput[]>,
): Promise<void> {
  const [prev] = await tx
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.projectId, projectId), lt(datasetVersions.version, version)))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  const bySource: Record<string, number> = { ...((prev?.counts as { bySource?: Record<string, number> })?.bySource ?? {}) };
  let checksum = prev?.checksum ?? EMPTY_CHECKSUM;
  let added = 0;
  for await (const samples of batches) {
    await bulkInsert(tx, datasetSamples, samples.map((s) => ({ projectId, version, ...s })));
    for (const s of samples) bySource[s.source] = (bySource[s.source] ?? 0) + 1;
    checksum = addToChecksum(checksum, samples);
    added += samples.length;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await tx.insert(datasetVersions).values({
    projectId,
    version,
    roundId,
    sampleCount: (prev?.sampleCount ?? 0) + added,
    addedCount: added,
    counts: { bySource, added },
    checksum,
  });
}
