/**
 * The blob store: content-addressed bytes (images, frames) kept out of the database. A blob's name is the
 * SHA-256 of its bytes (lower-case hex), so the same image uploaded twice — by two rollouts or two projects — is
 * stored once. PostgreSQL holds only the metadata (`blobs`: hash, size, media type) and the references (`frames`),
 * see server/blobs/blob-refs.ts; this interface knows nothing about either.
 *
 * The seam for an object store: an implementation of `BlobStore` over S3/GCS keys `sha256/<hash>` needs
 * `put` (upload, then the object is visible — object stores give the same all-or-nothing visibility the local
 * rename gives), `get`/`open`/`has`/`stat`/`delete` and `list` (for the orphan sweep). Nothing else in the tree
 * touches files.
 */
import type { Readable } from "node:stream";

export { HASH_RE } from "../../contracts/blob-layout";

export interface BlobInfo {
  hash: string;
  size: number;
}

export interface BlobListing extends BlobInfo {
  /** When the bytes were last written (the sweep leaves young orphans alone: their upload may still commit). */
  modifiedAt: Date;
}

export interface BlobStore {
  /** A short description for logs (`disk:/var/lib/corrective/blobs`). */
  readonly describe: string;
  /**
   * Stores bytes (a buffer or a stream) and returns their hash and size. Visible under the hash only once every
   * byte is durable; an interrupted put leaves nothing under any hash (at most a temporary file, see `sweep`).
   * `expectedHash`, when given, must match (else nothing is kept and the put throws).
   */
  put(data: Uint8Array | AsyncIterable<Uint8Array>, expectedHash?: string): Promise<BlobInfo>;
  /** The whole blob, or null when the store has no such hash. */
  get(hash: string): Promise<Buffer | null>;
  /** A stream of the blob, or null when the store has no such hash. */
  open(hash: string): Promise<Readable | null>;
  has(hash: string): Promise<boolean>;
  stat(hash: string): Promise<BlobInfo | null>;
  /** Removes the blob; removing one that is absent is not an error. */
  delete(hash: string): Promise<void>;
  /** Every blob the store holds (for the orphan sweep). */
  list(): AsyncIterable<BlobListing>;
  /** Removes temporary files of puts that never finished (a killed upload), older than `olderThanMs`. */
  sweepTemporary(olderThanMs: number): Promise<number>;
}

export class BlobHashMismatch extends Error {
  constructor(expected: string, actual: string) {
    super(`blob hash mismatch: expected ${expected}, got ${actual}`);
  }
}
