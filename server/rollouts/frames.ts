import { and, eq, inArray } from "drizzle-orm";
import { MAX_FRAMES_PER_BATCH, type TFrameStored, type TUploadedFrames } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { frames } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { storeBlobs } from "../blobs/blob-refs";
import { getBlobStore } from "../blobs/registry";
import { AppError, notFound, unprocessable } from "../errors";

export const MAX_FRAME_BYTES = 2 * 1024 * 1024;
/** A batch of frames in one request (contracts/rounds.ts, FRAME_BATCH_MIME). */
export const MAX_FRAME_BATCH_BYTES = 32 * 1024 * 1024;
const MAGIC: [TFrameStored["mime"], number[]][] = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
];

/** Detects PNG/JPEG by their magic bytes (the declared content type is not trusted). */
export function imageType(bytes: Uint8Array): TFrameStored["mime"] | null {
  for (const [mime, sig] of MAGIC) if (sig.every((b, i) => bytes[i] === b)) return mime;
  return null;
}

/**
 * Stores one PNG/JPEG frame (≤ 2 MiB, checked by the route before buffering): the bytes in the blob store, the
 * frame (a reference to them) in Postgres — one transaction, see server/blobs/blob-refs.ts.
 */
export async function uploadFrame(db: Db, caller: Caller, projectId: string, bytes: Uint8Array): Promise<TFrameStored> {
  await authorizeProject(db, caller, projectId, "labeler");
  if (bytes.byteLength > MAX_FRAME_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", "Frames are limited to 2 MiB");
  const mime = imageType(bytes);
  if (!mime) throw new AppError("UNPROCESSABLE", "A frame must be a PNG or JPEG image", { fieldErrors: { body: ["not a PNG or JPEG image"] } });
  const store = getBlobStore();
  const id = await db.transaction(async (tx) => {
    const [blobHash] = await storeBlobs(tx, store, [{ bytes, mediaType: mime }]);
    const [row] = await tx.insert(frames).values({ projectId, mime, blobHash }).returning({ id: frames.id });
    if (!row) throw new Error("frame insert returned nothing");
    return row.id;
  });
  return { id, mime, size: bytes.byteLength };
}

export async function getFrame(db: Db, caller: Caller, projectId: string, frameId: string): Promise<{ mime: string; bytes: Buffer }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [row] = await db
    .select({ mime: frames.mime, blobHash: frames.blobHash, bytes: frames.bytes })
    .from(frames)
    .where(and(eq(frames.id, frameId), eq(frames.projectId, projectId)));
  if (!row) throw notFound("Frame not found");
  // A frame from before the blob store that the start-up move has not reached yet still has its bytes here.
  if (!row.blobHash) return { mime: row.mime, bytes: row.bytes! };
  const bytes = await getBlobStore().get(row.blobHash);
  if (!bytes) throw new Error(`frame ${frameId}: blob ${row.blobHash} is missing from the blob store`);
  return { mime: row.mime, bytes };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuidFromBytes(b: Uint8Array): string {
  const hex = Buffer.from(b).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Splits a frame batch body into (id, bytes) records; a malformed record is a 422 naming it. */
export function parseFrameBatch(body: Uint8Array): { id: string; bytes: Uint8Array }[] {
  const out: { id: string; bytes: Uint8Array }[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 0;
  while (at < body.byteLength) {
    const i = out.length;
    if (i >= MAX_FRAMES_PER_BATCH) throw unprocessable("frames", `at most ${MAX_FRAMES_PER_BATCH} frames per request`);
    if (at + 20 > body.byteLength) throw unprocessable(`frames.${i}`, `frame ${i} is cut short: a record needs a 16-byte id and a 4-byte length`);
    const id = uuidFromBytes(body.subarray(at, at + 16));
    const size = view.getUint32(at + 16);
    if (!UUID_RE.test(id) || id === "00000000-0000-0000-0000-000000000000") throw unprocessable(`frames.${i}`, `frame ${i} has no id`);
    if (size > MAX_FRAME_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Frame ${i} (${id}) is ${size} bytes; frames are limited to 2 MiB`, { fieldErrors: { [`frames.${i}`]: ["over 2 MiB"] } });
    if (at + 20 + size > body.byteLength) throw unprocessable(`frames.${i}`, `frame ${i} (${id}) is cut short: ${size} bytes declared, ${body.byteLength - at - 20} sent`);
    out.push({ id, bytes: body.subarray(at + 20, at + 20 + size) });
    at += 20 + size;
  }
  if (out.length === 0) throw unprocessable("frames", "the batch holds no frames");
  return out;
}

/**
 * Stores a batch of PNG/JPEG frames with client-generated ids, all or nothing. Every frame is checked
 * before anything is written (a bad one is named by its position and id); an id the project already has
 * is skipped, so a retried batch stores each frame once.
 */
export async function uploadFrameBatch(db: Db, caller: Caller, projectId: string, body: Uint8Array): Promise<TUploadedFrames> {
  await authorizeProject(db, caller, projectId, "labeler");
  const records = parseFrameBatch(body);
  const typed = records.map((r, i) => {
    const mime = imageType(r.bytes);
    if (!mime) throw unprocessable(`frames.${i}`, `frame ${i} (${r.id}) is not a PNG or JPEG image`);
    return { ...r, mime };
  });
  const ids = typed.map((r) => r.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw unprocessable("frames", `frame id ${dup} appears twice in one batch`);
  return db.transaction(async (tx) => {
    const existing = await tx.select({ id: frames.id, projectId: frames.projectId }).from(frames).where(inArray(frames.id, ids));
    const other = existing.find((f) => f.projectId !== projectId);
    if (other) throw new AppError("CONFLICT", `Frame id ${other.id} is taken; generate a new id`);
    const have = new Set(existing.map((f) => f.id));
    const fresh = typed.filter((r) => !have.has(r.id));
    const hashes = await storeBlobs(tx, getBlobStore(), fresh.map((r) => ({ bytes: r.bytes, mediaType: r.mime })));
    for (let i = 0; i < fresh.length; i += 1000) {
      await tx
        .insert(frames)
        .values(fresh.slice(i, i + 1000).map((r, j) => ({ id: r.id, projectId, mime: r.mime, blobHash: hashes[i + j]! })))
        .onConflictDoNothing();
    }
    return { frames: typed.map((r) => ({ id: r.id, mime: r.mime, size: r.bytes.byteLength, duplicate: have.has(r.id) })) };
  });
}
