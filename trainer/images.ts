/**
 * Where training images come from. The trainer never holds a dataset's pixels as one array: it asks an
 * {@link ImageSource} for the decoded pixels of the samples in each batch. Two implementations:
 * - {@link inMemoryImages}: the pixels already decoded in one `Uint8Array` per camera (tests, benchmarks,
 *   and the worker, to which they travel as transferable buffers);
 * - {@link cachedImages}: any async, batched loader (e.g. the blob store's images of a batch of states,
 *   decoded from PNG) behind a bounded LRU cache of decoded images, so an epoch over a dataset larger
 *   than memory decodes each image at most once per eviction instead of once per use.
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

/**
 * Reads every image of `n` samples into memory (e.g. through {@link cachedImages} from the blob store)
 * — what the worker protocol carries today: the worker gets the pixels as transferable buffers.
 */
export async function materializeImages(source: ImageSource, n: number): Promise<InMemoryImageSource> {
  const pixels = source.cameras.map((c) => new Uint8Array(n * imageSize(c)));
  await source.prefetch?.(Array.from({ length: n }, (_, i) => i));
  for (const [c, cam] of source.cameras.entries()) {
    const size = imageSize(cam);
    for (let i = 0; i < n; i++) {
      const px = await source.load(i, c);
      if (px.length !== size) throw new Error(`image of sample ${i}, camera "${cam.name}": ${px.length} bytes, expected ${size}`);
      (pixels[c] as Uint8Array).set(px, i * size);
    }
  }
  return inMemoryImages(source.cameras, pixels, n);
}

export interface CachedImageSource extends ImageSource {
  prefetch(indices: ArrayLike<number>): Promise<void>;
  /** Hits, misses (samples decoded) and the bytes held now. */
  stats(): { hits: number; misses: number; bytes: number };
}

/** Every camera's pixels of one sample, by camera name. */
export type SampleImages = Readonly<Record<string, Uint8Array>>;

/**
 * A bounded decode cache in front of `decode`, which reads and decodes the images of several samples in
 * one call (e.g. the blob store's `observationImageLoader(stateIds)` mapped from sample indices). At most
 * `maxBytes` of decoded pixels are held, least recently used evicted first. `prefetch(indices)` — called
 * by the trainer before each batch — decodes all of a batch's misses in one call; concurrent requests for
 * the same sample share one decode. A missing camera or a wrong-sized image is rejected with the sample
 * and camera named.
 */
export function cachedImages(
  cameras: readonly TCamera[],
  decode: (indices: readonly number[]) => Promise<readonly SampleImages[]>,
  options: { maxBytes: number },
): CachedImageSource {
  const cache = new Map<number, Uint8Array[]>();
  const pending = new Map<number, Promise<Uint8Array[]>>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  const sizeOf = (px: readonly Uint8Array[]): number => px.reduce((a, p) => a + p.length, 0);
  const check = (index: number, images: SampleImages | undefined): Uint8Array[] =>
    cameras.map((cam) => {
      const px = images?.[cam.name];
      if (px === undefined) throw new Error(`image of sample ${index}, camera "${cam.name}": missing`);
      if (px.length !== imageSize(cam)) throw new Error(`image of sample ${index}, camera "${cam.name}": ${px.length} bytes, expected ${imageSize(cam)}`);
      return px;
    });
  const remember = (index: number, px: Uint8Array[]): void => {
    const size = sizeOf(px);
    if (size > options.maxBytes || cache.has(index)) return;
    cache.set(index, px);
    bytes += size;
    for (const [k, v] of cache) {
      if (bytes <= options.maxBytes) break;
      cache.delete(k);
      bytes -= sizeOf(v);
    }
  };
  const fetchMany = (indices: readonly number[]): void => {
    misses += indices.length;
    const all = decode(indices);
    indices.forEach((index, j) => {
      const p = all.then((got) => check(index, got[j]));
      pending.set(index, p);
      p.then(
        (px) => remember(index, px),
        () => undefined,
      ).finally(() => pending.delete(index));
    });
  };
  const sample = async (index: number): Promise<Uint8Array[]> => {
    const hit = cache.get(index);
    if (hit !== undefined) {
      hits++;
      cache.delete(index); // re-insert: Map order is the recency order
      cache.set(index, hit);
      return hit;
    }
    if (!pending.has(index)) fetchMany([index]);
    return pending.get(index) as Promise<Uint8Array[]>;
  };
  return {
    cameras,
    async load(index: number, camera: number): Promise<Uint8Array> {
      return (await sample(index))[camera] as Uint8Array;
    },
    async prefetch(indices: ArrayLike<number>): Promise<void> {
      const missing = [...new Set(Array.from(indices))].filter((i) => !cache.has(i) && !pending.has(i));
      if (missing.length > 0) fetchMany(missing);
    },
    stats: () => ({ hits, misses, bytes }),
  };
}

/**
 * {@link cachedImages} over a loader keyed by sample keys — e.g. the blob store's
 * `observationImageLoader(db, spec)`, which maps state ids to `{ <camera>: pixels }`: sample `i` is
 * `keys[i]` (a state id per dataset row). A key the loader does not return is reported as missing.
 */
export function keyedImages(
  cameras: readonly TCamera[],
  keys: readonly string[],
  load: (keys: readonly string[]) => Promise<ReadonlyMap<string, SampleImages>>,
  options: { maxBytes: number },
): CachedImageSource {
  return cachedImages(
    cameras,
    async (indices) => {
      const wanted = indices.map((i) => {
        const key = keys[i];
        if (key === undefined) throw new Error(`image of sample ${i}: no key (${keys.length} keys)`);
        return key;
      });
      const got = await load([...new Set(wanted)]);
      return wanted.map((k) => got.get(k) ?? {});
    },
    options,
  );
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
  const cam = source.cameras[camera] as TCamera;
  const [H, W, C] = cam.shape;
  const size = H * W * C;
  const out = new Int32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) {
    const px = await source.load(indices[b] as number, camera);
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
