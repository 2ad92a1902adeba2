/**
 * Image datasets by reference: what the training worker receives for the server's image datasets instead of
 * every decoded image ({@link TImageRefs}, ./protocol.ts). Per unique state ("source") either its env state —
 * a built-in camera env's rasteriser draws the image, as the env did when the policy acted — or, per camera,
 * its frame: a blob hash read from the disk blob store's directory (`blobRoot`, layout in
 * contracts/blob-layout.ts) or the PNG bytes themselves (a frame not in the disk store). The worker decodes
 * them batch by batch through the bounded cache of ./images.ts ({@link referencedImages}), so its memory
 * is the cache's bound, not `n × H × W × C` per camera. The server's loader of a state's pixels
 * (server/blobs/observation-images.ts) decodes with the same {@link decodeImageSources}.
 *
 * Node only (reads files).
 */
import { readFile } from "node:fs/promises";
import { decode } from "fast-png";
import { diskBlobPath } from "../contracts/blob-layout";
import { observationImages } from "../envs/index";
import { cachedImages, type CachedImageSource, type SampleImages } from "./images";
import type { TCamera } from "../contracts/policy-spec";
import type { TImageRefs } from "../contracts/trainer-protocol";

/** The decode cache's bound when neither the message nor `TRAINER_IMAGE_CACHE_MB` sets one. */
export const DEFAULT_IMAGE_CACHE_BYTES = 256 * 1024 * 1024;

/** `TRAINER_IMAGE_CACHE_MB` (MiB of decoded pixels) from `env`, else {@link DEFAULT_IMAGE_CACHE_BYTES}. */
export function imageCacheBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.TRAINER_IMAGE_CACHE_MB;
  if (raw === undefined || raw.trim() === "") return DEFAULT_IMAGE_CACHE_BYTES;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0) throw new Error(`TRAINER_IMAGE_CACHE_MB must be a number of MiB ≥ 0, got "${raw}"`);
  return Math.floor(mb * 1024 * 1024);
}

/** An image source over references; `refs` is what travels to the worker. */
export interface ReferencedImageSource extends CachedImageSource {
  readonly refs: TImageRefs;
}

/**
 * Decoded 8-bit pixels of a PNG frame with `channels` channels (`what` names it in errors): a frame of another
 * depth or channel count is refused rather than reinterpreted.
 */
export function decodeFramePng(bytes: Uint8Array, channels: number, what: string): Uint8Array {
  const png = decode(bytes);
  if (png.depth !== 8 || png.channels !== channels) throw new Error(`${what}: ${png.channels} channel(s) of ${png.depth} bits, expected ${channels} of 8`);
  return png.data instanceof Uint8Array ? png.data : Uint8Array.from(png.data);
}

/** The images of sources `keys` (indices into `refs`' sources), read and decoded; frames are read concurrently. */
export async function decodeImageSources(cameras: readonly TCamera[], refs: TImageRefs, keys: readonly number[]): Promise<SampleImages[]> {
  const { envId, envStates, frames, blobRoot } = refs;
  if (envStates !== undefined) return keys.map((k) => observationImages(envId as string, envStates[k] as number[]));
  return Promise.all(
    keys.map(async (k) => {
      const images: Record<string, Uint8Array> = {};
      for (const cam of cameras) {
        const ref = frames?.[cam.name]?.[k];
        if (ref === undefined) throw new Error(`image source ${k}: no frame for camera "${cam.name}"`);
        const bytes = typeof ref === "string" ? await readBlob(blobRoot, ref) : ref;
        images[cam.name] = decodeFramePng(bytes, cam.shape[2], typeof ref === "string" ? `frame blob ${ref}` : `frame of image source ${k}`);
      }
      return images;
    }),
  );
}

async function readBlob(root: string | undefined, hash: string): Promise<Uint8Array> {
  if (root === undefined) throw new Error(`frame blob ${hash}: no blob store directory (blobRoot) given`);
  try {
    return await readFile(diskBlobPath(root, hash));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`frame blob ${hash} is missing from the blob store (${root})`);
    throw err;
  }
}

/**
 * Sample `i`'s images are those of source `refs.sampleSource[i]`, decoded on demand through a cache of at most
 * `maxBytes` (default `refs.cacheBytes`, else {@link imageCacheBytes}) decoded bytes.
 */
export function referencedImages(cameras: readonly TCamera[], refs: TImageRefs, options: { maxBytes?: number } = {}): ReferencedImageSource {
  const maxBytes = options.maxBytes ?? refs.cacheBytes ?? imageCacheBytes();
  const { sampleSource } = refs;
  const source = cachedImages(cameras, (keys) => decodeImageSources(cameras, refs, keys), {
    maxBytes,
    keyOf: (i) => {
      const k = sampleSource[i];
      if (k === undefined) throw new Error(`image of sample ${i}: out of range 0..${sampleSource.length - 1}`);
      return k;
    },
  });
  return { ...source, refs };
}
