/**
 * The blob store (server/blobs/) on both engines: frames' bytes live in the store and only their metadata in
 * the database; the same bytes are stored once; a killed upload — between the temporary write and the rename, or
 * between the blob write and the metadata commit — leaves nothing that counts and nothing the start-up sweep
 * keeps; a restart keeps every acknowledged frame; frames from before the blob store move out once (and a move
 * interrupted half-way finishes on the next run); deleting a project frees the blobs only it referenced.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database, type Db } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { blobs, frames } from "../../db/schema";
import { blobTotals, sha256Hex } from "../../server/blobs/blob-refs";
import type { BlobInfo, BlobStore } from "../../server/blobs/blob-store";
import { sweepOrphanFiles } from "../../server/blobs/collect-garbage";
import { DiskBlobStore } from "../../server/blobs/disk-blob-store";
import { moveLegacyFrames } from "../../server/blobs/move-legacy-frames";
import { getBlobStore, setBlobStore } from "../../server/blobs/registry";
import { startBlobStore } from "../../server/blobs/start-blob-store";
import type { TUser } from "../../contracts/auth";
import { deleteProject } from "../../server/projects/delete-project";
import { getFrame, uploadFrame, uploadFrameBatch } from "../../server/rollouts/frames";
import { createScratchPostgres, describeEngines, ENGINES, POSTGRES_OK } from "../helpers/engines";
import { makeProject, makeUser } from "../helpers/fixtures";
import { frameBatch } from "../helpers/frame-batch";

/** A PNG signature followed by random bytes: the upload checks only the magic bytes. */
const png = (n = 64) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(n)]);
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "corrective-blobs-"));
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];

/** The store, except that the process "dies" (throws) right after the bytes are durable: before any commit. */
class DiesAfterPut implements BlobStore {
  readonly describe = "dies-after-put";
  constructor(private readonly inner: BlobStore) {}
  async put(data: Uint8Array | AsyncIterable<Uint8Array>, expected?: string): Promise<BlobInfo> {
    await this.inner.put(data, expected);
    throw new Error("killed between the blob write and the metadata commit");
  }
  get = (h: string) => this.inner.get(h);
  open = (h: string) => this.inner.open(h);
  has = (h: string) => this.inner.has(h);
  stat = (h: string) => this.inner.stat(h);
  delete = (h: string) => this.inner.delete(h);
  list = () => this.inner.list();
  sweepTemporary = (ms: number) => this.inner.sweepTemporary(ms);
}

describe("disk blob store", () => {
  it("puts, gets, streams, stats and deletes by content hash", async () => {
    const store = new DiskBlobStore(tmpDir());
    const bytes = png(1000);
    const put = await store.put(bytes);
    expect(put).toEqual({ hash: sha256Hex(bytes), size: bytes.byteLength });
    expect(await store.has(put.hash)).toBe(true);
    expect(await store.stat(put.hash)).toEqual(put);
    expect(Buffer.compare((await store.get(put.hash))!, Buffer.from(bytes))).toBe(0);
    const chunks: Buffer[] = [];
    for await (const c of (await store.open(put.hash))!) chunks.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(bytes))).toBe(0);
    // A stream put of the same bytes lands under the same name.
    async function* halves() {
      yield bytes.subarray(0, 500);
      yield bytes.subarray(500);
    }
    expect(await store.put(halves())).toEqual(put);
    const listed = [];
    for await (const b of store.list()) listed.push(b.hash);
    expect(listed).toEqual([put.hash]);
    await store.delete(put.hash);
    await store.delete(put.hash); // absent: not an error
    expect(await store.get(put.hash)).toBeNull();
    expect(await store.open(put.hash)).toBeNull();
  });

  it("keeps nothing under any hash from an interrupted or mismatched put, and sweeps unfinished temporary files", async () => {
    const root = tmpDir();
    const store = new DiskBlobStore(root);
    async function* dies() {
      yield png(100);
      throw new Error("connection reset");
    }
    await expect(store.put(dies())).rejects.toThrow("connection reset");
    await expect(store.put(png(10), "0".repeat(64))).rejects.toThrow("hash mismatch");
    expect(filesUnder(root)).toEqual([]);
    // A process killed between the temporary write and the rename leaves its temporary file: the sweep removes it.
    fs.writeFileSync(path.join(root, "tmp", "1-killed"), png(50));
    expect(await store.sweepTemporary(60_000)).toBe(0); // too young: it may be an upload in flight
    expect(await store.sweepTemporary(0)).toBe(1);
    expect(filesUnder(root)).toEqual([]);
  });
});

describeEngines("blob store with metadata", (h) => {
  let lead: TUser;
  let projectId: string;
  let root: string;
  const previous = getBlobStore();

  beforeAll(async () => {
    root = tmpDir();
    setBlobStore(new DiskBlobStore(root));
    lead = await makeUser(h.database.db, "Lead");
    projectId = await makeProject(h.database.db, [[lead, "lead"]]);
  });
  afterAll(() => setBlobStore(previous));

  it("keeps a frame's bytes in the store, its metadata in the database, and each distinct image once", async () => {
    const db = h.database.db;
    const before = await blobTotals(db);
    const image = png(300);
    const a = await uploadFrame(db, lead, projectId, image);
    const b = await uploadFrame(db, lead, projectId, image);
    expect(a.id).not.toBe(b.id);
    const [row] = await db.select().from(frames).where(eq(frames.id, a.id));
    expect(row).toMatchObject({ blobHash: sha256Hex(image), bytes: null, mime: "image/png" });
    expect(Buffer.compare((await getFrame(db, lead, projectId, b.id)).bytes, Buffer.from(image))).toBe(0);
    expect(await blobTotals(db)).toEqual({ count: before.count + 1, bytes: before.bytes + image.byteLength });
    expect(filesUnder(path.join(root, "sha256")).map((f) => path.basename(f))).toContain(sha256Hex(image));
    const [meta] = await db.select().from(blobs).where(eq(blobs.hash, sha256Hex(image)));
    expect(meta).toMatchObject({ size: image.byteLength, mediaType: "image/png" });
  });

  it("a killed upload leaves no blob that counts, and the sweep removes its file", async () => {
    const db = h.database.db;
    const store = getBlobStore();
    const before = { totals: await blobTotals(db), frames: await countFrames(db) };
    const image = png(200);
    setBlobStore(new DiesAfterPut(store));
    try {
      await expect(uploadFrame(db, lead, projectId, image)).rejects.toThrow("killed");
      const id = crypto.randomUUID();
      await expect(uploadFrameBatch(db, lead, projectId, frameBatch([{ id, bytes: png(100) }]))).rejects.toThrow("killed");
    } finally {
      setBlobStore(store);
    }
    // The bytes reached the disk, but nothing in the database names them: they count nowhere.
    expect(await store.has(sha256Hex(image))).toBe(true);
    expect(await blobTotals(db)).toEqual(before.totals);
    expect(await countFrames(db)).toBe(before.frames);
    const swept = await sweepOrphanFiles(db, store, 0);
    expect(swept.orphans).toBe(2);
    expect(await store.has(sha256Hex(image))).toBe(false);
    // Every acknowledged blob is still on disk and readable.
    for (const { hash } of await db.select({ hash: blobs.hash }).from(blobs)) expect(await store.has(hash)).toBe(true);
  });

  it("moves frames stored before the blob store out of the database, once, and resumes an interrupted move", async () => {
    const db = h.database.db;
    const images = Array.from({ length: 120 }, () => png(40));
    const ids = (
      await db
        .insert(frames)
        .values(images.map((b) => ({ projectId, mime: "image/png", bytes: Buffer.from(b) })))
        .returning({ id: frames.id })
    ).map((r) => r.id);
    // Served from their bytes before the move.
    expect(Buffer.compare((await getFrame(db, lead, projectId, ids[0]!)).bytes, Buffer.from(images[0]!))).toBe(0);
    // The first batch fails after writing its blobs (a crash): that batch stays in the database as it was.
    await expect(moveLegacyFrames(db, new DiesAfterPut(getBlobStore()))).rejects.toThrow("killed");
    expect(await legacyCount(db)).toBe(120);
    expect(await moveLegacyFrames(db, getBlobStore())).toBe(120);
    expect(await moveLegacyFrames(db, getBlobStore())).toBe(0);
    expect(await legacyCount(db)).toBe(0);
    for (const [i, id] of ids.entries()) {
      const [row] = await db.select({ hash: frames.blobHash, bytes: frames.bytes }).from(frames).where(eq(frames.id, id));
      expect(row).toEqual({ hash: sha256Hex(images[i]!), bytes: null });
      expect(Buffer.compare((await getFrame(db, lead, projectId, id)).bytes, Buffer.from(images[i]!))).toBe(0);
    }
  });

  it("deleting a project frees the blobs only it referenced; a shared image stays for the other project", async () => {
    const db = h.database.db;
    const labeler = await makeUser(db, "Labeller");
    const doomed = await makeProject(db, [[lead, "lead"], [labeler, "labeler"]], "doomed");
    const other = await makeProject(db, [[lead, "lead"]], "other");
    const shared = png(100);
    const own = png(100);
    await uploadFrame(db, lead, doomed, shared);
    await uploadFrame(db, lead, doomed, own);
    await uploadFrameBatch(db, lead, doomed, frameBatch([{ id: crypto.randomUUID(), bytes: own }]));
    const kept = await uploadFrame(db, lead, other, shared);
    const before = await blobTotals(db);

    await expect(deleteProject(db, labeler, doomed)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await deleteProject(db, lead, doomed)).toEqual({ freedBlobs: 1 });
    await expect(deleteProject(db, lead, doomed)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await blobTotals(db)).toEqual({ count: before.count - 1, bytes: before.bytes - own.byteLength });
    expect(await getBlobStore().has(sha256Hex(own))).toBe(false);
    expect(Buffer.compare((await getFrame(db, lead, other, kept.id)).bytes, Buffer.from(shared))).toBe(0);
    expect((await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM frames WHERE project_id = ${doomed}`)).rows[0]!.n).toBe(0);
  });
});

describe("a restart keeps every acknowledged frame", () => {
  for (const engine of ENGINES) {
    it.skipIf(engine === "postgres" && !POSTGRES_OK)(`[${engine}]`, async () => {
      const dataDir = tmpDir();
      const scratch = engine === "postgres" ? await createScratchPostgres() : undefined;
      const open = () => openDatabase(scratch ? { url: scratch.url, poolSize: 2 } : { dataDir: path.join(dataDir, "db"), poolSize: 1 });
      const previous = getBlobStore();
      let database: Database | undefined;
      try {
        database = await open();
        await migrateDatabase(database.db);
        await startBlobStore(database.db, dataDir);
        const lead = await makeUser(database.db, "Lead");
        const projectId = await makeProject(database.db, [[lead, "lead"]]);
        const images = Array.from({ length: 5 }, () => png(500));
        const acked = [];
        for (const image of images) acked.push((await uploadFrame(database.db, lead, projectId, image)).id);
        // An upload killed before its commit, and one killed before its rename.
        setBlobStore(new DiesAfterPut(getBlobStore()));
        await expect(uploadFrame(database.db, lead, projectId, png(500))).rejects.toThrow("killed");
        fs.writeFileSync(path.join(dataDir, "blobs", "tmp", "1-killed"), png(10));
        await database.close();
        database = undefined;

        database = await open();
        const started = await startBlobStore(database.db, dataDir, { graceMs: 0 });
        await started.legacyMove;
        for (const [i, id] of acked.entries()) {
          expect(Buffer.compare((await getFrame(database.db, lead, projectId, id)).bytes, Buffer.from(images[i]!))).toBe(0);
        }
        expect(await blobTotals(database.db)).toEqual({ count: 5, bytes: 5 * images[0]!.byteLength });
        // Only the acknowledged blobs are left on disk.
        expect(filesUnder(path.join(dataDir, "blobs")).map((f) => path.basename(f)).sort()).toEqual(images.map(sha256Hex).sort());
      } finally {
        setBlobStore(previous);
        await database?.close();
        await scratch?.drop();
      }
    }, 60_000);
  }
});

const countFrames = async (db: Db) => (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM frames`)).rows[0]!.n;
const legacyCount = async (db: Db) => (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM frames WHERE blob_hash IS NULL`)).rows[0]!.n;
