/**
 * Where training images come from. The trainer never holds a dataset's pixels as one array: it asks an
 * {@link ImageSource} for the decoded pixels of the samples in each batch. Two implementations:
 * - {@link inMemoryImages}: the pixels already decoded in one `Uint8Array` per camera (tests, benchmarks,
 *   the DAgger loop, which renders its images itself; they travel to the worker as transferable buffers);
 * - {@link cachedImages}: any async, batched loader behind a bounded cache of decoded images — the
 *   worker's source for the server's datasets, whose images it reads by reference from the blob store (or
 *   renders from env states) batch by batch (image-refs.ts): an epoch over a dataset larger than the cache
 *   decodes only the images the cache does not hold instead of holding all of them.
 *
 * Pixels are `H × W × C` row-major bytes (Gymnasium's `Box(0, 255, [H, W, C], uint8)`).
 *
 * Browser-safe.
 */
import type { Dataset } from "./dataset";
import { splitDictObservations, type DictObservation } from "./policy/policy";
import type { Rng } from "./random";
import { ZConvEncoder, type TCamera } from "../contracts/policy-spec";

export interface ImageSource {
  readonly cameras: readonly TCamera[];
  /** Decoded pixels of sample `index` from camera `camera` (`H × W × C` bytes). */
  load(index: number, camera: number): Uint8Array | Promise<Uint8Array>;
  /** Optional: start reading these samples' images in one go (the trainer calls it before each batch). */
  prefetch?(indices: ArrayLike<number>): Promise<void>;
}

/** Bytes of one image of `camera`. */
export function imageSize(camera: TCamera): number {
  return camera.shape[0] * camera.shape[1] * camera.shape[2];
}

export interface InMemoryImageSource extends ImageSource {
  /** `[n × H × W × C]` bytes per camera (what travels to the training worker). */
  readonly pixels: readonly Uint8Array[];
}

/** Images held in memory: `pixels[c]` is `[n × H × W × C]` bytes of camera `c`. */
export function inMemoryImages(cameras: readonly TCamera[], pixels: readonly Uint8Array[], n: number): InMemoryImageSource {
  if (pixels.length !== cameras.length) throw new Error(`inMemoryImages: ${pixels.length} pixel arrays for ${cameras.length} cameras`);
  cameras.forEach((c, i) => {
    const want = n * imageSize(c);
    if ((pixels[i] as Uint8Array).length !== want) {
      throw new Error(`inMemoryImages: camera "${c.name}" has ${(pixels[i] as Uint8Array).length} bytes, expected ${n} × ${c.shape.join("×")} = ${want}`);
    }
  });
  return {
    cameras,
    pixels,
    load(index: number, camera: number): Uint8Array {
      const size = imageSize(cameras[camera] as TCamera);
      if (!(index >= 0 && index < n)) throw new Error(`image ${index} out of range 0..${n - 1}`);
      return (pixels[camera] as Uint8Array).subarray(index * size, (index + 1) * size);
    },
  };
}

export interface ImageCacheStats {
  /** Samples served from the cache, and samples decoded (a sample shared by several rows counts once per decode). */
  hits: number;
  misses: number;
  /** Decoded samples not kept because the cache was full (they were used once and dropped). */
  notKept: number;
  /** Decoded bytes held now, the most ever held, and the bound. */
  bytes: number;
  peakBytes: number;
  maxBytes: number;
}

export interface CachedImageSource extends ImageSource {
  prefetch(indices: ArrayLike<number>): Promise<void>;
  stats(): ImageCacheStats;
}

/** Every camera's pixels of one sample, by camera name. */
export type SampleImages = Readonly<Record<string, Uint8Array>>;

/**
 * A bounded decode cache in front of `decode`, which reads and decodes the images of several keys in one call
 * (trainer/image-refs.ts: a batch's frames from the blob store, or its env states rendered). Sample `i` is
 * cached under `keyOf(i)` (default `i`), so rows that share a state share one decode and one cache entry.
 * At most `maxBytes` of decoded pixels are held. **Admission, not eviction:** decoded images are kept until
 * the bound is reached, then further ones are used once and dropped (a prefetched one is held until its batch
 * takes it: beyond the bound, at most the batch being prefetched). Training visits every row once per epoch in a
 * fresh random order, and against that an LRU cache smaller than the dataset hits almost never (a row used
 * this epoch is not asked for again until the next, by when LRU has dropped it: measured 27 % hits with a
 * third of the dataset cached, most from the previous epoch's tail) — a resident set hits `maxBytes / dataset`
 * of the time, every epoch. `prefetch(indices)` — called by the trainer for the next batch while the current
 * one trains — decodes all of its misses in one call; concurrent requests for the same key share one decode.
 * A missing camera or a wrong-sized image is rejected with the sample and camera named.
 */
export function cachedImages(
  cameras: readonly TCamera[],
  decode: (keys: readonly number[]) => Promise<readonly SampleImages[]>,
  options: { maxBytes: number; keyOf?: (index: number) => number },
): CachedImageSource {
  const keyOf = options.keyOf ?? ((i: number) => i);
  const cache = new Map<number, Uint8Array[]>();
  const pending = new Map<number, Promise<Uint8Array[]>>();
  const counters = { hits: 0, misses: 0, notKept: 0, bytes: 0, peakBytes: 0 };
  const sizeOf = (px: readonly Uint8Array[]): number => px.reduce((a, p) => a + p.length, 0);
  const check = (index: number, images: SampleImages | undefined): Uint8Array[] =>
    cameras.map((cam) => {
      const px = images?.[cam.name];
      if (px === undefined) throw new Error(`image of sample ${index}, camera "${cam.name}": missing`);
      if (px.length !== imageSize(cam)) throw new Error(`image of sample ${index}, camera "${cam.name}": ${px.length} bytes, expected ${imageSize(cam)}`);
      return px;
    });
  /** Keeps `px` if it fits; true when the cache holds the key now. */
  const remember = (key: number, px: Uint8Array[]): boolean => {
    if (cache.has(key)) return true;
    const size = sizeOf(px);
    if (counters.bytes + size > options.maxBytes) {
      counters.notKept++;
      return false;
    }
    cache.set(key, px);
    counters.bytes += size;
    counters.peakBytes = Math.max(counters.peakBytes, counters.bytes);
    return true;
  };
  /** Keys whose in-flight decode a load has already taken (else a decode the cache does not keep is parked). */
  const taken = new Set<number>();
  /** Prefetched images the cache did not keep, held in `pending` until their one use (at most about a batch). */
  const parked = new Set<number>();
  /** Decodes `keys` (first seen as samples `indices`, for error messages) in one call. */
  const fetchMany = (keys: readonly number[], indices: readonly number[]): void => {
    counters.misses += keys.length;
    const all = decode(keys);
    keys.forEach((key, j) => {
      const p = all.then((got) => check(indices[j] as number, got[j]));
      pending.set(key, p);
      const settle = (kept: boolean): void => {
        if (kept || taken.has(key)) pending.delete(key);
        else parked.add(key); // prefetched and not kept: its batch has not asked for it yet
        taken.delete(key);
      };
      p.then(
        (px) => settle(remember(key, px)),
        () => settle(true),
      );
    });
  };
  const sample = async (index: number): Promise<Uint8Array[]> => {
    const key = keyOf(index);
    const hit = cache.get(key);
    if (hit !== undefined) {
      counters.hits++;
      return hit;
    }
    if (parked.has(key)) {
      // Dropped once this batch has asked: its rows are asked for in one go (loss.ts), so a row sharing the
      // key shares this decode instead of decoding again — whether the decode finished first (a decoder
      // thread, ./decode-pool.ts, often is done by then) or is still in flight.
      parked.delete(key);
      const p = pending.get(key) as Promise<Uint8Array[]>;
      queueMicrotask(() => {
        if (pending.get(key) === p) pending.delete(key);
      });
      return p;
    }
    if (!pending.has(key)) fetchMany([key], [index]);
    taken.add(key);
    return pending.get(key) as Promise<Uint8Array[]>;
  };
  return {
    cameras,
    async load(index: number, camera: number): Promise<Uint8Array> {
      return (await sample(index))[camera] as Uint8Array;
    },
    async prefetch(indices: ArrayLike<number>): Promise<void> {
      const keys: number[] = [];
      const first: number[] = [];
      const seen = new Set<number>();
      for (const index of Array.from(indices)) {
        const key = keyOf(index);
        if (seen.has(key)) continue;
        seen.add(key);
        if (cache.has(key) || pending.has(key)) continue;
        keys.push(key);
        first.push(index);
      }
      if (keys.length > 0) fetchMany(keys, first);
    },
    stats: () => ({ ...counters, maxBytes: options.maxBytes }),
  };
}

/**
 * The pixels of samples `indices` from one camera as `[b × H × W × C]` int32 (tfjs has no uint8 tensor;
 * the graph divides by 255). With `shift > 0`, each image is translated by a random whole-pixel offset
 * in `[-shift, shift]²` with its border pixels replicated — DrQ's "pad by `shift`, replicate, random
 * crop back to H × W".
 */
export async function loadImageBatch(
  source: ImageSource,
  camera: number,
  indices: ArrayLike<number>,
  shift: number,
  rng: Rng,
): Promise<Int32Array> {
  return assembleImageBatch(source.cameras[camera] as TCamera, await gatherImages(source, camera, indices), shift, rng);
}

/** Every image of a batch from one camera, asked for at once (a cache's misses decode concurrently). */
export function gatherImages(source: ImageSource, camera: number, indices: ArrayLike<number>): Promise<Uint8Array[]> {
  return Promise.all(Array.from(indices, (i) => source.load(i, camera)));
}

/** The one batch assembly of {@link loadImageBatch}: `images` (one per sample) → int32, DrQ-shifted by up to `shift`. */
export function assembleImageBatch(cam: TCamera, images: readonly Uint8Array[], shift: number, rng: Rng): Int32Array {
  const [H, W, C] = cam.shape;
  const size = H * W * C;
  const out = new Int32Array(images.length * size);
  for (let b = 0; b < images.length; b++) {
    const px = images[b] as Uint8Array;
    const o = b * size;
    if (shift === 0) {
      for (let i = 0; i < size; i++) out[o + i] = px[i] as number;
      continue;
    }
    const dy = Math.floor(rng() * (2 * shift + 1)) - shift;
    const dx = Math.floor(rng() * (2 * shift + 1)) - shift;
    for (let y = 0; y < H; y++) {
      const sy = Math.min(Math.max(y + dy, 0), H - 1);
      for (let x = 0; x < W; x++) {
        const sx = Math.min(Math.max(x + dx, 0), W - 1);
        const from = (sy * W + sx) * C;
        const to = o + (y * W + x) * C;
        for (let c = 0; c < C; c++) out[to + c] = px[from + c] as number;
      }
    }
  }
  return out;
}

/**
 * A training set from Dict observations (`{ state, <camera>: pixels }`, as an image env or the API gives
 * them) and actions: the states as rows, the pixels in memory. Shapes are checked per sample.
 */
export function makeImageDataset(
  observations: readonly DictObservation[],
  actions: ReadonlyArray<number | ArrayLike<number>>,
  cameras: readonly TCamera[],
  stateDim: number,
): Dataset {
  const n = observations.length;
  if (n === 0 || actions.length !== n) throw new Error(`makeImageDataset: ${n} observations and ${actions.length} actions`);
  const { state, images } = splitDictObservations({ obsDim: stateDim, vision: { cameras: [...cameras], encoder: ZConvEncoder.parse({}) } }, observations);
  const first = actions[0] as number | ArrayLike<number>;
  const actDim = typeof first === "number" ? 1 : first.length;
  const act = new Float32Array(n * actDim);
  actions.forEach((a, i) => {
    const row = typeof a === "number" ? [a] : a;
    if (row.length !== actDim) throw new Error(`makeImageDataset: action ${i} has ${row.length} elements, expected ${actDim}`);
    for (let j = 0; j < actDim; j++) act[i * actDim + j] = row[j] as number;
  });
  return { n, obsDim: stateDim, actDim, observations: state, actions: act, images: inMemoryImages(cameras, images, n) };
}
