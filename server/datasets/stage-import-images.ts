/**
 * The images of an import into a `Dict`-observation project (LeRobot `observation.images.<camera>` columns,
 * lerobot-camera-columns.ts), stored the way uploaded frames are, so that the imported demonstrations train and
 * are seen exactly like uploaded rollouts:
 *
 * - each PNG goes into the blob store with its `blobs` row and a `frames` row (server/blobs/blob-refs.ts
 *   `storeBlobs`, what `uploadFrameBatch` uses: metadata first, bytes durable before the commit);
 * - each imported episode becomes a rollout of the import's round (source `external`, `meta.imported`), each
 *   sample a state of it — `observation` the `state` vector, `images` camera → frame id, `frameId` the first
 *   camera's frame (what labellers see), `action` the demonstrated action — and the sample points at its state:
 *   the trainer reads a sample's images through its state (server/blobs/observation-images.ts).
 *
 * Each batch is one short transaction. While the import is staging nothing of this is visible (the round is not
 * published, its dataset version does not exist); a failed or abandoned import is undone by
 * {@link discardImportImages}: states, frames, and the blobs no other frame references — no orphan counts.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk-insert";
import type { Db } from "../../db/client";
import { frames, rollouts, rounds, states, type Round } from "../../db/schema";
import { storeBlobs } from "../blobs/blob-refs";
import { collectGarbage } from "../blobs/collect-garbage";
import { getBlobStore } from "../blobs/registry";
import { yieldToEventLoop } from "../batching/cooperative";
import type { DatasetSampleInput } from "./write-version";

/** Samples per transaction: 128 samples of two cameras are 256 blob writes (fsyncs) — tens of ms on a disk. */
const BATCH = 128;
const DELETE_BATCH = 1000;

/**
 * A stager for one import: takes a page of samples, stores the images of those that carry some (with their
 * states), and returns the page as `dataset_samples` rows — each such sample with its new `stateId`, no images.
 * Samples without images pass through unchanged. Episodes stay one rollout across pages.
 */
export function importImageStager(db: Db, round: Pick<Round, "id" | "projectId" | "policyId">): (page: DatasetSampleInput[]) => Promise<DatasetSampleInput[]> {
  const episodes = new Map<number, { rolloutId: string; next: number }>();
  return async (page) => {
    if (!page.some((s) => s.images)) return page;
    const out: DatasetSampleInput[] = new Array(page.length);
    for (let at = 0; at < page.length; at += BATCH) {
      const batch = page.slice(at, at + BATCH);
      const staged = await db.transaction(async (tx) => {
        const withImages = batch.filter((s) => s.images);
        const items = withImages.flatMap((s) => Object.values(s.images!).map((bytes) => ({ bytes, mediaType: "image/png" })));
        const hashes = await storeBlobs(tx, getBlobStore(), items);
        const frameRows = hashes.map((blobHash) => ({ id: randomUUID(), projectId: round.projectId, mime: "image/png", blobHash }));
        for (let i = 0; i < frameRows.length; i += 1000) await tx.insert(frames).values(frameRows.slice(i, i + 1000));
        const fresh = [...new Set(withImages.map((s) => s.episode))].filter((e) => !episodes.has(e));
        for (const episode of fresh) episodes.set(episode, { rolloutId: randomUUID(), next: 0 });
        if (fresh.length) {
          await tx.insert(rollouts).values(
            fresh.map((episode) => ({ id: episodes.get(episode)!.rolloutId, projectId: round.projectId, roundId: round.id, policyId: round.policyId, source: "external" as const, length: 0, meta: { imported: { episode } } })),
          );
        }
        let k = 0;
        const added = new Map<string, number>();
        const stateRows: Array<typeof states.$inferInsert> = [];
        const rows = batch.map((s) => {
          if (!s.images) return s;
          const ids = Object.fromEntries(Object.keys(s.images).map((camera) => [camera, frameRows[k++]!.id]));
          const episode = episodes.get(s.episode)!;
          const id = randomUUID();
          stateRows.push({ id, projectId: round.projectId, rolloutId: episode.rolloutId, t: episode.next++, observation: s.observation, action: s.action, frameId: Object.values(ids)[0] ?? null, images: ids });
          added.set(episode.rolloutId, (added.get(episode.rolloutId) ?? 0) + 1);
          const { images: _images, ...sample } = s;
          return { ...sample, stateId: id };
        });
        await bulkInsert(tx, states, stateRows);
        for (const [id, n] of added) await tx.update(rollouts).set({ length: sql`${rollouts.length} + ${n}` }).where(eq(rollouts.id, id));
        return rows;
      });
      staged.forEach((s, i) => (out[at + i] = s));
      await yieldToEventLoop();
    }
    return out;
  };
}

/**
 * Undoes {@link importImageStager}'s work for an import round still staging (its samples deleted already): its
 * states in batches, their frames, then the blobs no frame references any more (collect-garbage.ts).
 */
export async function discardImportImages(db: Db, round: Pick<Round, "id" | "projectId">): Promise<void> {
  const [staging] = await db
    .select({ id: rounds.id })
    .from(rounds)
    .where(and(eq(rounds.id, round.id), sql`${rounds.options} -> 'imported' ->> 'staging' = 'true'`));
  if (!staging) return;
  for (;;) {
    const deleted = await db.execute<{ images: Record<string, string> | null }>(sql`
      DELETE FROM ${states} WHERE id IN (
        SELECT s.id FROM ${states} s JOIN ${rollouts} r ON r.id = s.rollout_id WHERE r.round_id = ${round.id} LIMIT ${DELETE_BATCH})
      RETURNING images`);
    if (deleted.rows.length === 0) break;
    const frameIds = [...new Set(deleted.rows.flatMap((r) => Object.values(r.images ?? {})))];
    if (frameIds.length) {
      const gone = await db.delete(frames).where(and(eq(frames.projectId, round.projectId), inArray(frames.id, frameIds))).returning({ blobHash: frames.blobHash });
      await collectGarbage(db, getBlobStore(), [...new Set(gone.flatMap((f) => (f.blobHash ? [f.blobHash] : [])))]);
    }
    await yieldToEventLoop();
  }
  await db.delete(rollouts).where(eq(rollouts.roundId, round.id));
}
