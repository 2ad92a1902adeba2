/**
 * Start-up of the blob store, for the web process (server/main.ts): choose the store, clean up after a crash,
 * and move frames stored before the blob store out of the database in the background.
 */
import type { Db } from "../../db/client";
import type { BlobStore } from "./blob-store";
import { collectGarbage, sweepOrphanFiles } from "./collect-garbage";
import { DiskBlobStore } from "./disk-blob-store";
import { moveLegacyFrames } from "./move-legacy-frames";
import { blobDirOf, setBlobStore } from "./registry";

/**
 * Files younger than this are left by the orphan sweep: another web node's upload may be about to commit them
 * (this process has none in flight at start-up).
 */
export const ORPHAN_GRACE_MS = 15 * 60_000;

export async function startBlobStore(
  db: Db,
  dataDir: string,
  options: { log?: (line: string) => void; signal?: AbortSignal; graceMs?: number } = {},
): Promise<{ store: BlobStore; legacyMove: Promise<number> }> {
  const log = options.log ?? (() => {});
  const store = new DiskBlobStore(blobDirOf(dataDir));
  setBlobStore(store);
  const swept = await sweepOrphanFiles(db, store, options.graceMs ?? ORPHAN_GRACE_MS);
  const freed = await collectGarbage(db, store);
  if (swept.orphans || swept.temporary || freed) {
    log(`[blobs] removed ${swept.orphans} orphan file(s) and ${swept.temporary} unfinished upload(s); freed ${freed} unreferenced blob(s)`);
  }
  const legacyMove = moveLegacyFrames(db, store, { signal: options.signal }).then(
    (moved) => {
      if (moved) log(`[blobs] moved ${moved} frame(s) from the database into ${store.describe}`);
      return moved;
    },
    (err: unknown) => {
      log(`[blobs] moving frames out of the database stopped: ${String(err)} (resumed at the next start)`);
      return 0;
    },
  );
  return { store, legacyMove };
}
