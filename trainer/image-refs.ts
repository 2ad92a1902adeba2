/**
 * Image datasets by reference: what the training worker receives for the server's image datasets instead of
 * every decoded image ({@link TImageRefs}, ./protocol.ts). Per unique state ("source") either its env state —
 * a built-in camera env's rasteriser draws the image, as the env did when the policy acted — or, per camera,
 * its frame: a blob hash read from the disk blob store's directory (`blobRoot`, layout in
 * contracts/blob-layout.ts) or the PNG bytes themselves (a frame not in the disk store). The worker decodes
 * them batch by batch through the bounded cache of ./images.ts ({@link referencedImages}), so its memory
 * is the cache's bound, not `n × H × W × C` per camera. PNG frames are decoded on a small pool of decoder
 * threads (./decode-pool.ts, `TRAINER_DECODE_THREADS`; 0 = inline), so the next batch decodes while this one
 * trains; the owner closes the source ({@link ReferencedImageSource.close}) to end them. The server's loader of a state's pixels
 * (server/blobs/observation-images.ts) decodes with the same {@link decodeImageSources}.
 *
 * Node only (reads files).
 */
import { readFile } from "node:fs/promises";
import { decode } from "fast-png";
import { diskBlobPath } from "../contracts/blob-layout";
import { observationImages } from "../envs/index";
import { cachedImages, type CachedImageSource, type SampleImages } from "./images";
import { DecodePoolClosedError, decodeThreads, startDecodePool, type DecodedPng, type DecodePool, type DecodePoolState } from "./decode-pool";
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
  /** The decoder pool's size, threads running and decodes in flight (size 0: decoding inline). */
  decoders(): DecodePoolState;
  /** Ends the decoder threads (if any started) and fails what they still had in flight; idempotent. */
  close(): Promise<void>;
}

/**
 * Decoded 8-bit pixels of a PNG frame with `channels` channels (`what` names it in errors): bytes that are not
 * a readable PNG, or a frame of another depth or channel count, are refused rather than reinterpreted.
 */
export function decodeFramePng(bytes: Uint8Array, channels: number, what: string): Uint8Array {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    throw unreadablePng(what, err);
  }
  return checkedFrame(png, channels, what);
}

function unreadablePng(what: string, err: unknown): Error {
  return new Error(`${what}: not a readable PNG (${err instanceof Error ? err.message : String(err)})`);
}

function checkedFrame(png: { readonly data: ArrayLike<number>; readonly depth: number; readonly channels: number }, channels: number, what: string): Uint8Array {
  if (png.depth !== 8 || png.channels !== channels) throw new Error(`${what}: ${png.channels} channel(s) of ${png.depth} bits, expected ${channels} of 8`);
  return png.data instanceof Uint8Array ? png.data : Uint8Array.from(png.data);
}

/** Decodes one frame's PNG: `owned` bytes may be given away (a file just read). */
export type FrameDecoder = (bytes: Uint8Array, channels: number, what: string, owned: boolean) => Promise<Uint8Array>;

/** {@link FrameDecoder} on the training thread itself. */
export const inlineFrameDecoder: FrameDecoder = async (bytes, channels, what) => decodeFramePng(bytes, channels, what);

/** {@link FrameDecoder} on a decoder pool's threads; errors name the frame exactly as {@link decodeFramePng} does. */
export function pooledFrameDecoder(pool: DecodePool): FrameDecoder {
  return async (bytes, channels, what, owned) => {
    let png: DecodedPng;
    try {
      png = await pool.decode(bytes, owned);
    } catch (err) {
      if (err instanceof DecodePoolClosedError) throw err; // a cancel, not a bad frame
      throw unreadablePng(what, err);
    }
    return checkedFrame(png, channels, what);
  };
}

/**
 * The images of sources `keys` (indices into `refs`' sources), read and decoded (by `decodeFrame`, default on
 * this thread); frames are read concurrently, each handed to the decoder as soon as it is read.
 */
export async function decodeImageSources(
  cameras: readonly TCamera[],
  refs: TImageRefs,
  keys: readonly number[],
  decodeFrame: FrameDecoder = inlineFrameDecoder,
): Promise<SampleImages[]> {
  const { envId, envStates, frames, blobRoot } = refs;
  if (envStates !== undefined) return keys.map((k) => observationImages(envId as string, envStates[k] as number[]));
  return Promise.all(
    keys.map(async (k) => {
      const images: Record<string, Uint8Array> = {};
      for (const cam of cameras) {
        const ref = frames?.[cam.name]?.[k];
        if (ref === undefined) throw new Error(`image source ${k}: no frame for camera "${cam.name}"`);
        const fromFile = typeof ref === "string";
        const bytes = fromFile ? await readBlob(blobRoot, ref) : ref;
        images[cam.name] = await decodeFrame(bytes, cam.shape[2], fromFile ? `frame blob ${ref}` : `frame of image source ${k}`, fromFile);
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
 * `maxBytes` (default `refs.cacheBytes`, else {@link imageCacheBytes}) decoded bytes. PNG frames decode on
 * `decodeThreads` threads (default {@link decodeThreads}: `TRAINER_DECODE_THREADS`), started at the first
 * decode — none for env-rendered sources, none while the source only carries `refs` to the worker; 0 decodes
 * inline. Whoever trains with the source closes it.
 */
export function referencedImages(cameras: readonly TCamera[], refs: TImageRefs, options: { maxBytes?: number; decodeThreads?: number } = {}): ReferencedImageSource {
  const maxBytes = options.maxBytes ?? refs.cacheBytes ?? imageCacheBytes();
  const threads = refs.frames === undefined ? 0 : (options.decodeThreads ?? decodeThreads());
  const { sampleSource } = refs;
  let pool: DecodePool | null = null;
  let closed = false;
  const frameDecoder = (): FrameDecoder => {
    if (threads === 0) return inlineFrameDecoder;
    if (closed) return () => Promise.reject(new Error("image source closed"));
    pool ??= startDecodePool(threads);
    return pooledFrameDecoder(pool);
  };
  const source = cachedImages(cameras, (keys) => decodeImageSources(cameras, refs, keys, frameDecoder()), {
    maxBytes,
    keyOf: (i) => {
      const k = sampleSource[i];
      if (k === undefined) throw new Error(`image of sample ${i}: out of range 0..${sampleSource.length - 1}`);
      return k;
    },
  });
  return {
    ...source,
    refs,
    decoders: () => pool?.state() ?? { size: threads, live: 0, pending: 0 },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}
