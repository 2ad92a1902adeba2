/**
 * The one-time move of frames stored before the blob store (`frames.bytes`, a bytea column) into it.
 *
 * Batch by batch, each in one transaction: store the bytes as blobs (blob-refs.ts), point the frames at them
 * and clear their bytes. Idempotent and restart-safe: a frame is picked only while `blob_hash` is null, and a
 * batch either commits whole or leaves its frames as they were (plus, at worst, orphan files the start-up sweep
 * removes). Frames still waiting are served from their bytes meanwhile (server/rollouts/frames.ts).
 */
import { inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { frames } from "../../db/schema";
import { storeBlobs } from "./blob-refs";
import type { BlobStore } from "./blob-store";

/** Frames per transaction: ≤ 2 MiB each, so a batch stays within ~100 MiB of memory in the worst case. */
const BATCH = 50;

export async function moveLegacyFrames(db: Db, store: BlobStore, options: { signal?: AbortSignal } = {}): Promise<number> {
  let moved = 0;
  for (;;) {
    if (options.signal?.aborted) return moved;
    const n = await db.transaction(async (tx) => {
      // SKIP LOCKED: two web nodes starting together share the work instead of waiting on each other.
      const rows = await tx
        .select({ id: frames.id, mime: frames.mime, bytes: frames.bytes })
        .from(frames)
        .where(isNull(frames.blobHash))
        .limit(BATCH)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return 0;
      const hashes = await storeBlobs(tx, store, rows.map((r) => ({ bytes: r.bytes!, mediaType: r.mime })));
      const cases = sql.join(rows.map((r, i) => sql`WHEN ${r.id}::uuid THEN ${hashes[i]!}`), sql` `);
      await tx
        .update(frames)
        .set({ blobHash: sql`CASE ${frames.id} ${cases} END`, bytes: null })
        .where(inArray(frames.id, rows.map((r) => r.id)));
      return rows.length;
    });
    if (n === 0) return moved;
    moved += n;
  }
}
