/**
 * What a dataset version's row records of its content: the checksum and the counts by source. Pure (no
 * database): the aggregation job (write-version.ts), the import (server/rounds/import-dataset.ts) and the
 * import's row worker (import-rows-worker.ts) compute them alike.
 *
 * The checksum depends only on the content of the version — the multiset of samples (observation, action,
 * source) with version ≤ v — never on how they were split into versions, their order, ids, episodes or the
 * project. It is Σ sha256(JSON([observation, action, source])) mod 2²⁵⁶ as 64 hex digits, which can be
 * updated incrementally (version v = version v−1's sum + the new samples' digests), and which an export
 * re-imported into another project reproduces exactly (see docs/LEADS.md, "Datasets").
 */
import { createHash } from "node:crypto";
import { createYielder } from "../batching/cooperative";
import type { DatasetSampleInput } from "./write-version";

type Content = Pick<DatasetSampleInput, "observation" | "action" | "source">;

const MOD = 1n << 256n;
export const EMPTY_CHECKSUM = "0".repeat(64);

/** The digest of one sample's content, as a 256-bit integer. */
export function sampleDigest(s: Content): bigint {
  return BigInt(`0x${createHash("sha256").update(JSON.stringify([s.observation, s.action, s.source])).digest("hex")}`);
}

/** `previous` (a checksum, or empty) plus the samples' digests. Order-independent. */
export function addToChecksum(previous: string | null | undefined, samples: Iterable<Content>): string {
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
export async function addToChecksumSliced(previous: string | null | undefined, samples: readonly Content[]): Promise<string> {
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
