/**
 * Blobs with their metadata: the bridge between the blob store (bytes) and PostgreSQL (`blobs` rows, referenced
 * by `frames`). Every write goes metadata-first inside the caller's transaction:
 *
 * 1. upsert the `blobs` rows — `ON CONFLICT DO UPDATE` (not `DO NOTHING`) so the row is locked until commit and
 *    the garbage collector (collect-garbage.ts), which deletes a row and its file under the same lock, cannot free
 *    a blob this transaction is about to reference;
 * 2. write the bytes to the store (durable when `put` resolves);
 * 3. the caller inserts its references (frames) and commits.
 *
 * A crash before the commit rolls the rows back and leaves at most a file no row names — an orphan that counts
 * nowhere (sizes and counts come from the rows) and that `sweepOrphanFiles` removes. A crash after the commit
 * keeps everything: the bytes were durable before the rows were. The bytes are written even when the store has
 * them already: a file the orphan sweep is about to remove (old, and no committed row yet) gets a fresh
 * modification time instead of being trusted.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { blobs } from "../../db/schema";
import type { BlobStore } from "./blob-store";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface BlobInput {
  bytes: Uint8Array;
  mediaType: string;
}

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Parallel writes per batch: enough to overlap the fsyncs, few enough not to exhaust file descriptors. */
const WRITE_CONCURRENCY = 8;

/**
 * Stores blobs (metadata rows and bytes) inside the caller's transaction; returns each input's hash, in order.
 * The caller must reference every hash (insert frames) in the same transaction.
 */
export async function storeBlobs(tx: Tx | Db, store: BlobStore, items: BlobInput[]): Promise<string[]> {
  const hashes = items.map((i) => sha256Hex(i.bytes));
  const unique = new Map<string, BlobInput>();
  items.forEach((item, i) => unique.set(hashes[i]!, item));
  const rows = [...unique].map(([hash, item]) => ({ hash, size: item.bytes.byteLength, mediaType: item.mediaType }));
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insert(blobs)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({ target: blobs.hash, set: { size: sql`${blobs.size}` } });
  }
  const pending = [...unique];
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) await store.put(next[1].bytes, next[0]);
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, pending.length) }, worker));
  return hashes;
}

/** What the blob metadata says is stored: the figures that count (orphan files are not in them). */
export async function blobTotals(db: Db | Tx): Promise<{ count: number; bytes: number }> {
  const result = await db.execute<{ count: number; bytes: string | number | null }>(sql`SELECT count(*)::int AS count, sum(size)::bigint AS bytes FROM blobs`);
  const row = result.rows[0];
  return { count: row?.count ?? 0, bytes: Number(row?.bytes ?? 0) };
}
