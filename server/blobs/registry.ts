/**
 * The process's blob store. Like the app context (server/context.ts) it lives on `globalThis`, because Next
 * bundles route handlers separately from the custom server and a module-level singleton would exist twice.
 *
 * `server/main.ts` (and `npm run trainer`) set it from the configuration; code that runs without a configured
 * server (tests calling services, CLI tools) gets the default: the disk store under `DATA_DIR/blobs`, the same
 * directory the server would use.
 */
import path from "node:path";
import type { BlobStore } from "./blob-store";
import { DiskBlobStore } from "./disk-blob-store";

const KEY = Symbol.for("corrective.blob-store");
type Holder = { [KEY]?: BlobStore };

/** Where the disk store lives for a data directory. */
export const blobDirOf = (dataDir: string) => path.join(path.resolve(dataDir), "blobs");

export function setBlobStore(store: BlobStore | undefined): void {
  (globalThis as Holder)[KEY] = store;
}

export function getBlobStore(): BlobStore {
  const holder = globalThis as Holder;
  holder[KEY] ??= new DiskBlobStore(blobDirOf(process.env.DATA_DIR ?? ".corrective/data"));
  return holder[KEY];
}
