import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { frames } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";

export const MAX_FRAME_BYTES = 2 * 1024 * 1024;
const MAGIC: [string, number[]][] = [
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
];

/** Detects PNG/JPEG by their magic bytes (the declared content type is not trusted). */
export function imageType(bytes: Uint8Array): string | null {
  for (const [mime, sig] of MAGIC) if (sig.every((b, i) => bytes[i] === b)) return mime;
  return null;
}

/** Stores one PNG/JPEG frame (≤ 2 MiB, checked by the route before buffering) in Postgres. */
export async function uploadFrame(db: Db, caller: Caller, projectId: string, bytes: Uint8Array): Promise<{ id: string; mime: string; size: number }> {
  await authorizeProject(db, caller, projectId, "labeler");
  if (bytes.byteLength > MAX_FRAME_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", "Frames are limited to 2 MiB");
  const mime = imageType(bytes);
  if (!mime) throw new AppError("UNPROCESSABLE", "A frame must be a PNG or JPEG image", { fieldErrors: { body: ["not a PNG or JPEG image"] } });
  const [row] = await db.insert(frames).values({ projectId, mime, bytes: Buffer.from(bytes) }).returning({ id: frames.id });
  if (!row) throw new Error("frame insert returned nothing");
  return { id: row.id, mime, size: bytes.byteLength };
}

export async function getFrame(db: Db, caller: Caller, projectId: string, frameId: string): Promise<{ mime: string; bytes: Buffer }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [row] = await db.select({ mime: frames.mime, bytes: frames.bytes }).from(frames).where(and(eq(frames.id, frameId), eq(frames.projectId, projectId)));
  if (!row) throw notFound("Frame not found");
  return row;
}
