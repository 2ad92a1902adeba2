/**
 * Where the disk blob store keeps a blob: `<root>/sha256/ab/cd/<hash>` (two levels of fan-out keep directories
 * small at millions of frames). Shared by the store (server/blobs/disk-blob-store.ts) and the trainer's worker,
 * which reads a training batch's frames straight from the files (trainer/image-refs.ts) instead of receiving
 * every decoded image up front.
 */
import path from "node:path";

/** A blob's name: the SHA-256 of its bytes, lower-case hex. */
export const HASH_RE = /^[0-9a-f]{64}$/;

export function diskBlobPath(root: string, hash: string): string {
  if (!HASH_RE.test(hash)) throw new Error(`not a sha256 hash: ${hash}`);
  return path.join(root, "sha256", hash.slice(0, 2), hash.slice(2, 4), hash);
}
