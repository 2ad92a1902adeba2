/**
 * Freeing blobs nothing references any more (a deleted project's frames), and removing files of uploads that
 * never committed.
 *
 * `collectGarbage` deletes a `blobs` row only while no frame references it, and deletes the file *inside* that
 * transaction, before the commit: an upload of the same bytes (blob-refs.ts) upserts the row first and so waits
 * for this transaction, then writes the file again. If an upload committed a reference first, the foreign key
 * from `frames.blob_hash` fails the delete (the row stays, and so does the file). A crash between the file delete
 * and the commit leaves a row without a file and without references: harmless (the next upload rewrites the file)
 * and freed by the next pass.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { BlobStore } from "./blob-store";

const BATCH = 500;

/**
 * Frees unreferenced blobs: those among `candidates`, or every unreferenced blob when none are given.
 * Returns how many were freed.
 */
export async function collectGarbage(db: Db, store: BlobStore, candidates?: string[]): Promise<number> {
  let freed = 0;
  if (candidates) {
    for (let i = 0; i < candidates.length; i += BATCH) freed += await freeBatch(db, store, candidates.slice(i, i + BATCH));
    return freed;
  }
  for (;;) {
    const result = await db.execute<{ hash: string }>(
      sql`SELECT b.hash FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM frames f WHERE f.blob_hash = b.hash) LIMIT ${BATCH}`,
    );
    const hashes = result.rows.map((r) => r.hash);
    if (hashes.length === 0) return freed;
    const n = await freeBatch(db, store, hashes);
    freed += n;
    if (n === 0) return freed; // all of them were referenced meanwhile
  }
}

async function freeBatch(db: Db, store: BlobStore, hashes: string[]): Promise<number> {
  try {
    return await freeOnce(db, store, hashes);
  } catch (err) {
    if (!isForeignKeyViolation(err)) throw err;
    // A concurrent upload referenced one of them: free the rest one by one.
    let freed = 0;
    for (const hash of hashes) {
      try {
        freed += await freeOnce(db, store, [hash]);
      } catch (e) {
        if (!isForeignKeyViolation(e)) throw e;
      }
    }
    return freed;
  }
}

async function freeOnce(db: Db, store: BlobStore, hashes: string[]): Promise<number> {
  return db.transaction(async (tx) => {
    const result = await tx.execute<{ hash: string }>(sql`
      DELETE FROM blobs b WHERE b.hash IN (${sql.join(hashes.map((h) => sql`${h}`), sql`, `)})
        AND NOT EXISTS (SELECT 1 FROM frames f WHERE f.blob_hash = b.hash)
      RETURNING b.hash`);
    for (const { hash } of result.rows) await store.delete(hash);
    return result.rows.length;
  });
}

function isForeignKeyViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === "23503") return true;
  return false;
}

/**
 * Removes files no `blobs` row names (a put whose transaction never committed: a killed upload) and unfinished
 * temporary files, both older than `graceMs` — a younger file may belong to an upload that is about to commit.
 */
export async function sweepOrphanFiles(db: Db, store: BlobStore, graceMs: number): Promise<{ orphans: number; temporary: number }> {
  const temporary = await store.sweepTemporary(graceMs);
  const cutoff = Date.now() - graceMs;
  let orphans = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const known = await db.execute<{ hash: string }>(sql`SELECT hash FROM blobs WHERE hash IN (${sql.join(batch.map((h) => sql`${h}`), sql`, `)})`);
    const have = new Set(known.rows.map((r) => r.hash));
    for (const hash of batch) {
      if (have.has(hash)) continue;
      await store.delete(hash);
      orphans++;
    }
    batch = [];
  };
  for await (const blob of store.list()) {
    if (blob.modifiedAt.getTime() > cutoff) continue;
    batch.push(blob.hash);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { orphans, temporary };
}
