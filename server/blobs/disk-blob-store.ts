/**
 * The default blob store: files under `DATA_DIR/blobs`, one per hash at `sha256/ab/cd/<hash>` (two levels of
 * fan-out keep directories small at millions of frames).
 *
 * Durability: a put streams into `tmp/<random>` while hashing, fsyncs the file, renames it to its final name
 * (atomic on one filesystem) and fsyncs the directory, so after `put` resolves a crash or power cut keeps the
 * blob, and a put killed half-way leaves only a temporary file — never a partial blob under a hash. Temporary
 * files are removed by `sweepTemporary` at start-up.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { diskBlobPath } from "../../contracts/blob-layout";
import { BlobHashMismatch, HASH_RE, type BlobInfo, type BlobListing, type BlobStore } from "./blob-store";

export class DiskBlobStore implements BlobStore {
  readonly describe: string;
  private readonly objects: string;
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.describe = `disk:${root}`;
    this.objects = path.join(root, "sha256");
    this.tmp = path.join(root, "tmp");
  }

  private pathOf(hash: string): string {
    return diskBlobPath(this.root, hash);
  }

  async put(data: Uint8Array | AsyncIterable<Uint8Array>, expectedHash?: string): Promise<BlobInfo> {
    await fs.mkdir(this.tmp, { recursive: true });
    const tmpPath = path.join(this.tmp, `${Date.now()}-${randomBytes(8).toString("hex")}`);
    const hasher = createHash("sha256");
    let size = 0;
    const file = await fs.open(tmpPath, "wx", 0o600);
    let renamed = false;
    try {
      const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = data instanceof Uint8Array ? [data] : data;
      for await (const chunk of chunks) {
        hasher.update(chunk);
        size += chunk.byteLength;
        await file.write(chunk);
      }
      await file.sync();
      await file.close();
      const hash = hasher.digest("hex");
      if (expectedHash !== undefined && expectedHash !== hash) throw new BlobHashMismatch(expectedHash, hash);
      const final = this.pathOf(hash);
      await fs.mkdir(path.dirname(final), { recursive: true });
      // Same content, same name: replacing an existing copy is harmless and keeps the put one code path.
      await fs.rename(tmpPath, final);
      renamed = true;
      await syncDir(path.dirname(final));
      return { hash, size };
    } finally {
      if (!renamed) {
        await file.close().catch(() => {});
        await fs.rm(tmpPath, { force: true });
      }
    }
  }

  async get(hash: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.pathOf(hash));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async open(hash: string): Promise<ReadStream | null> {
    const p = this.pathOf(hash);
    try {
      // Opened before the stream is handed out: a blob deleted after this still reads to the end.
      const handle = await fs.open(p, "r");
      return handle.createReadStream();
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async has(hash: string): Promise<boolean> {
    return (await this.stat(hash)) !== null;
  }

  async stat(hash: string): Promise<BlobInfo | null> {
    try {
      const s = await fs.stat(this.pathOf(hash));
      return { hash, size: s.size };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(hash: string): Promise<void> {
    await fs.rm(this.pathOf(hash), { force: true });
  }

  async *list(): AsyncIterable<BlobListing> {
    for (const a of await readdirOrEmpty(this.objects)) {
      for (const b of await readdirOrEmpty(path.join(this.objects, a))) {
        const dir = path.join(this.objects, a, b);
        for (const name of await readdirOrEmpty(dir)) {
          if (!HASH_RE.test(name)) continue;
          try {
            const s = await fs.stat(path.join(dir, name));
            yield { hash: name, size: s.size, modifiedAt: s.mtime };
          } catch (err) {
            if (!isMissing(err)) throw err;
          }
        }
      }
    }
  }

  async sweepTemporary(olderThanMs: number): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const name of await readdirOrEmpty(this.tmp)) {
      const p = path.join(this.tmp, name);
      try {
        // Whole milliseconds, as Date.now() counts: a file written within the current millisecond has a
        // fractional mtimeMs above it, and `sweepTemporary(0)` would have kept it.
        if (Math.floor((await fs.stat(p)).mtimeMs) <= cutoff) {
          await fs.rm(p, { force: true });
          removed++;
        }
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return removed;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}
