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
import { createYielder } from "../batching/cooperative";
import type { Tx } from "../../db/tx";

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

/** The checksum of two disjoint sets of samples together (the sums add). */
export function combineChecksums(a: string | null | undefined, b: string): string {
  const value = (c: string | null | undefined) => (/^[0-9a-f]{64}$/.test(c ?? "") ? BigInt(`0x${c}`) : 0n);
  return ((value(a) + value(b)) % MOD).toString(16).padStart(64, "0");
}

/** `addToChecksum`, giving way to other requests every few ms (a 100k-sample import hashes for ~0.3 s). */
export async function addToChecksumSliced(previous: string | null | undefined, samples: readonly Pick<DatasetSampleInput, "observation" | "action" | "source">[]): Promise<string> {
  const maybeYield = createYielder();
  let checksum = previous ?? EMPTY_CHECKSUM;
  for (let i = 0; i < samples.length; i += 500) {
    checksum = addToChecksum(checksum, samples.slice(i, i + 500));
    await maybeYield();
  }
  return checksum;
}

/** Cumulative counts by source: the previous version's plus the samples'. */
export function countBySource(previous: unknown, samples: readonly Pick<DatasetSampleInput, "source">[]): Record<string, number> {
  const bySource: Record<string, number> = { ...((previous as { bySource?: Record<string, number> } | null)?.bySource ?? {}) };
  for (const s of samples) bySource[s.source] = (bySource[s.source] ?? 0) + 1;
  return bySource;
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
