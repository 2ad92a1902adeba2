/**
 * Image datasets by reference (trainer/image-refs.ts): frames read from the disk blob store's files and decoded
 * batch by batch through the bounded cache — what the server's train step hands the worker instead of every
 * decoded image. A dataset several times larger than a tiny cache trains to exactly the same result as with a
 * cache that holds everything (and as in memory), the cache never holds more than its bound, a cancel while a
 * batch is being decoded stops cleanly, and the worker trains from references.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { encode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diskBlobPath } from "../../contracts/blob-layout";
import { observationImages } from "../../envs/index";
import { TrainingCancelledError } from "../../trainer/errors";
import { decodeThreads } from "../../trainer/decode-pool";
import { decodeFramePng, DEFAULT_IMAGE_CACHE_BYTES, imageCacheBytes, referencedImages } from "../../trainer/image-refs";
import { cachedImages, inMemoryImages } from "../../trainer/images";
import { Policy } from "../../trainer/policy/policy";
import { ZConvEncoder } from "../../contracts/policy-spec";
import type { TImageRefs, TTrainConfigInput } from "../../contracts/trainer-protocol";
import { trainPolicy } from "../../trainer/train";
import { TrainerWorker } from "../../trainer/worker/client";
import { testBackend } from "./helpers";
import { blobDataset, camera, dictObservations, expectCancelAfterFirstEpoch } from "./vision-helpers";

const TINY = ZConvEncoder.parse({ channels: [4, 4], featureDim: 8 });
const QUADRANTS = { type: "discrete", n: 4 } as const;
const SIZE = 16;
const IMAGE_BYTES = SIZE * SIZE * 3;

let root: string;
beforeAll(async () => {
  await testBackend();
  root = mkdtempSync(path.join(os.tmpdir(), "image-refs-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Stores each image as a PNG blob under `root` (the disk store's layout) and returns its hash. */
function storePng(pixels: Uint8Array): string {
  const png = encode({ width: SIZE, height: SIZE, data: pixels, channels: 3, depth: 8 });
  const hash = createHash("sha256").update(png).digest("hex");
  const file = diskBlobPath(root, hash);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png);
  return hash;
}

/**
 * `sources` distinct images; `n` rows, some sharing a source (a state labelled twice). Returns the in-memory
 * dataset of the rows and the references of the same images.
 */
function referencedDataset(sources: number, n: number, seed: number) {
  const { samples, states } = blobDataset(sources, SIZE, "quadrant", seed);
  const hashes = samples.map((s) => storePng(s.pixels));
  const sampleSource = Int32Array.from({ length: n }, (_, i) => (i < sources ? i : (i * 7) % sources));
  const rows = Array.from(sampleSource);
  const pixels = new Uint8Array(n * IMAGE_BYTES);
  rows.forEach((k, i) => pixels.set(samples[k]!.pixels, i * IMAGE_BYTES));
  const base = {
    n,
    obsDim: 1,
    actDim: 1,
    observations: Float32Array.from(rows.map((k) => states[k]![0]!)),
    actions: Float32Array.from(rows.map((k) => samples[k]!.quadrant)),
  };
  const refs: TImageRefs = { sampleSource, sources, blobRoot: root, frames: { image: hashes } };
  return { base, refs, inMemory: { ...base, images: inMemoryImages([camera(SIZE)], [pixels], n) }, samples, states, hashes };
}

const CONFIG: TTrainConfigInput = { actionSpace: QUADRANTS, vision: { cameras: [camera(SIZE)], encoder: TINY }, epochs: 3, batchSize: 16, validationSplit: 0.2, patience: 10, seed: 5 };

describe("image datasets by reference", () => {
  it("a dataset far larger than a tiny cache trains exactly as with a cache that holds it all, and as in memory; the bound holds", async () => {
    // 120 distinct 16×16×3 images (92 KiB decoded) in 150 rows; the tiny cache holds 10 images — less than a batch.
    const { base, refs, inMemory, samples, states } = referencedDataset(120, 150, 21);
    const tinyBytes = 10 * IMAGE_BYTES;
    const tiny = referencedImages([camera(SIZE)], refs, { maxBytes: tinyBytes });
    const large = referencedImages([camera(SIZE)], refs, { maxBytes: 1 << 20 });
    const before = tf.memory().numTensors;
    const a = await trainPolicy({ ...base, images: tiny }, CONFIG);
    const b = await trainPolicy({ ...base, images: large }, CONFIG);
    const c = await trainPolicy(inMemory, CONFIG);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.lossCurve).toEqual(b.lossCurve);
    expect(a.lossCurve).toEqual(c.lossCurve);
    const obs = dictObservations(samples.slice(0, 20), states.slice(0, 20));
    expect(Policy.fromBlob(a.blob).actBatch(obs)).toEqual(Policy.fromBlob(b.blob).actBatch(obs));

    // The large cache decoded every distinct image once; the tiny one re-decoded but never held more than its bound.
    expect(b.imageCache).toMatchObject({ misses: 120, notKept: 0, maxBytes: 1 << 20, peakBytes: 120 * IMAGE_BYTES });
    expect(a.imageCache!.maxBytes).toBe(tinyBytes);
    expect(a.imageCache!.peakBytes).toBeLessThanOrEqual(tinyBytes);
    expect(a.imageCache!.bytes).toBeLessThanOrEqual(tinyBytes);
    expect(a.imageCache!.notKept).toBeGreaterThan(0);
    // A resident set of 10 images: every epoch decodes all the others again, and hits those 10.
    expect(a.imageCache!.misses).toBeGreaterThan(3 * (120 - 10) - 1);
    expect(a.imageCache!.hits).toBeGreaterThan(0);
    // Never decoded twice for one use (a prefetched image the cache does not keep is held until its batch takes it).
    expect(a.imageCache!.hits + a.imageCache!.misses).toBeLessThanOrEqual(3 * 150);
    expect(c.imageCache).toBeUndefined();
  }, 120_000);

  it("the cache bound: TRAINER_IMAGE_CACHE_MB, else 256 MiB; a missing blob is named", async () => {
    expect(imageCacheBytes({})).toBe(DEFAULT_IMAGE_CACHE_BYTES);
    expect(DEFAULT_IMAGE_CACHE_BYTES).toBe(256 * 1024 * 1024);
    expect(imageCacheBytes({ TRAINER_IMAGE_CACHE_MB: "1" })).toBe(1024 * 1024);
    expect(() => imageCacheBytes({ TRAINER_IMAGE_CACHE_MB: "lots" })).toThrow(/TRAINER_IMAGE_CACHE_MB/);
    const { base, refs } = referencedDataset(8, 8, 22);
    const gone = "f".repeat(64);
    const broken = referencedImages([camera(SIZE)], { ...refs, frames: { image: [...refs.frames!.image!.slice(0, 7), gone] } }, { maxBytes: 1 << 20 });
    const before = tf.memory().numTensors;
    await expect(trainPolicy({ ...base, images: broken }, { ...CONFIG, epochs: 1, batchSize: 4 })).rejects.toThrow(new RegExp(`frame blob ${gone} is missing from the blob store`));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("built-in camera envs: the images are rendered from each source's env state", async () => {
    const envState = [0, 0, 0.3, 0.1, 0];
    const expected = observationImages("CarTrackPixels-v0", envState);
    const cam = { name: "image", shape: [64, 64, 3] as const };
    const source = referencedImages([cam], { sampleSource: Int32Array.from([0, 0]), sources: 1, envId: "CarTrackPixels-v0", envStates: [envState] }, { maxBytes: 1 << 20 });
    expect(Array.from(await source.load(1, 0))).toEqual(Array.from(expected["image"]!));
    expect(source.stats()).toMatchObject({ misses: 1 });
  });

  it("a cancel while a batch is being decoded stops before training on it, with no tensors left behind", async () => {
    const { base, inMemory } = referencedDataset(32, 32, 23);
    let cancelled = false;
    let decodes = 0;
    const slow = cachedImages(
      [camera(SIZE)],
      async (keys) => {
        decodes++;
        if (decodes === 3) cancelled = true; // the cancel arrives mid-decode, in the first epoch
        await new Promise((r) => setTimeout(r, 20));
        return keys.map((k) => ({ image: inMemory.images.load(k, 0) as Uint8Array }));
      },
      { maxBytes: 1 << 20 },
    );
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const err = await trainPolicy({ ...base, images: slow }, { ...CONFIG, epochs: 50, batchSize: 4, validationSplit: 0 }, { isCancelled: () => cancelled, onProgress: (p) => epochs.push(p.epoch) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingCancelledError);
    expect((err as TrainingCancelledError).epochsRun).toBe(0);
    expect(epochs).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the worker trains from references (a tiny cache, set by the message) with progress, and cancels", async () => {
    const { base, refs, samples, states } = referencedDataset(48, 64, 24);
    const worker = TrainerWorker.start({ onLog: () => undefined });
    try {
      await worker.ready();
      const dataset = { ...base, images: referencedImages([camera(SIZE)], { ...refs, cacheBytes: 12 * IMAGE_BYTES }) };
      const epochs: number[] = [];
      const result = await worker.train(dataset, CONFIG, { onProgress: (p) => epochs.push(p.epoch) }).result;
      expect(epochs).toEqual([1, 2, 3]);
      expect(result.imageCache!.maxBytes).toBe(12 * IMAGE_BYTES);
      expect(result.imageCache!.peakBytes).toBeLessThanOrEqual(12 * IMAGE_BYTES);
      expect(result.imageCache!.notKept).toBeGreaterThan(0);
      // Same seed, same images: the worker trains exactly as this process does with a cache that holds them all.
      const here = await trainPolicy({ ...dataset, images: referencedImages([camera(SIZE)], refs, { maxBytes: 1 << 20 }) }, CONFIG);
      expect(result.lossCurve).toEqual(here.lossCurve);
      expect(Policy.fromBlob(result.blob).actBatch(dictObservations(samples.slice(0, 5), states.slice(0, 5))).actions).toHaveLength(5);
      await expectCancelAfterFirstEpoch(worker, dataset, CONFIG);
    } finally {
      await worker.terminate();
    }
  }, 120_000);

  it("PNG decoding off the training thread: pool sizes 0, 1 and 2 train identically, and the threads end on close", async () => {
    // 40 distinct images in 48 rows behind a cache of 8: most images are decoded again every epoch.
    const { base, refs, samples, states } = referencedDataset(40, 48, 31);
    const obs = dictObservations(samples.slice(0, 12), states.slice(0, 12));
    const before = tf.memory().numTensors;
    const runs = [];
    for (const threads of [0, 1, 2]) {
      const images = referencedImages([camera(SIZE)], refs, { maxBytes: 8 * IMAGE_BYTES, decodeThreads: threads });
      const r = await trainPolicy({ ...base, images }, CONFIG);
      const open = images.decoders();
      expect(open.size).toBe(threads);
      expect(open.live).toBe(threads); // every thread of the pool was used (least busy first, a new one while all are busy)
      expect(open.pending).toBe(0);
      await images.close();
      expect(images.decoders()).toEqual({ size: threads, live: 0, pending: 0 });
      runs.push({ lossCurve: r.lossCurve, actions: Policy.fromBlob(r.blob).actBatch(obs), cache: r.imageCache });
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(runs[1]!.lossCurve).toEqual(runs[0]!.lossCurve);
    expect(runs[2]!.lossCurve).toEqual(runs[0]!.lossCurve);
    expect(runs[1]!.actions).toEqual(runs[0]!.actions);
    expect(runs[2]!.actions).toEqual(runs[0]!.actions);
    // The bound is kept whatever the pool. The counters agree to a few decodes: which 8 images the cache admits
    // depends on whether the first batch's reads or the second's (prefetched) finish first — timing, inline as
    // well (seen: 22 hits / 118 decodes, or 33 / 116, with pool size 0) — the pixels, and so the run, do not.
    for (const run of runs) {
      expect(run.cache).toMatchObject({ maxBytes: 8 * IMAGE_BYTES, bytes: 8 * IMAGE_BYTES, peakBytes: 8 * IMAGE_BYTES });
      expect(Math.abs(run.cache!.misses - runs[0]!.cache!.misses)).toBeLessThanOrEqual(4);
    }
  }, 120_000);

  it("TRAINER_DECODE_THREADS: default min(2, cores − 1), at least 1; 0 decodes inline; nonsense refused", () => {
    expect(decodeThreads({}, 1)).toBe(1);
    expect(decodeThreads({}, 2)).toBe(1);
    expect(decodeThreads({}, 16)).toBe(2);
    expect(decodeThreads({ TRAINER_DECODE_THREADS: "0" }, 16)).toBe(0);
    expect(decodeThreads({ TRAINER_DECODE_THREADS: "3" }, 2)).toBe(3);
    expect(() => decodeThreads({ TRAINER_DECODE_THREADS: "two" })).toThrow(/TRAINER_DECODE_THREADS/);
    expect(() => decodeThreads({ TRAINER_DECODE_THREADS: "-1" })).toThrow(/TRAINER_DECODE_THREADS/);
  });

  it("a corrupt PNG blob is named, inline and on the decoder threads, with no tensors left behind", async () => {
    expect(() => decodeFramePng(new Uint8Array([1, 2, 3, 4]), 3, "frame blob x")).toThrow(/^frame blob x: not a readable PNG \(/);
    const { base, refs } = referencedDataset(8, 8, 32);
    const garbage = new TextEncoder().encode("this is not a PNG at all, just bytes in the blob store");
    const bad = createHash("sha256").update(garbage).digest("hex");
    const file = diskBlobPath(root, bad);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, garbage);
    const broken = { ...refs, frames: { image: [...refs.frames!.image!.slice(0, 7), bad] } };
    const before = tf.memory().numTensors;
    for (const threads of [0, 2]) {
      const images = referencedImages([camera(SIZE)], broken, { maxBytes: 1 << 20, decodeThreads: threads });
      await expect(trainPolicy({ ...base, images }, { ...CONFIG, epochs: 1, batchSize: 4 })).rejects.toThrow(new RegExp(`^frame blob ${bad}: not a readable PNG \\(`));
      await images.close();
      expect(images.decoders()).toMatchObject({ live: 0, pending: 0 });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a cancel while frames are on the decoder threads ends the threads and fails nothing but the run", async () => {
    const { base, refs } = referencedDataset(64, 64, 33);
    const images = referencedImages([camera(SIZE)], refs, { maxBytes: 0, decodeThreads: 2 });
    let cancelled = false;
    let calls = 0;
    let pendingAtCancel = 0;
    let closing: Promise<void> | null = null;
    // The 4th batch read: wait until decodes are on the threads, then cancel as the worker does (flag + close).
    const watched = {
      ...images,
      async prefetch(indices: ArrayLike<number>) {
        const p = images.prefetch(indices);
        if (++calls === 4) {
          for (let i = 0; i < 10_000 && images.decoders().pending === 0; i++) await new Promise((r) => setImmediate(r));
          pendingAtCancel = images.decoders().pending;
          cancelled = true;
          closing = images.close();
        }
        return p;
      },
    };
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const err = await trainPolicy({ ...base, images: watched }, { ...CONFIG, epochs: 50, batchSize: 4, validationSplit: 0 }, { isCancelled: () => cancelled }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingCancelledError);
    expect((err as TrainingCancelledError).epochsRun).toBe(0);
    expect(pendingAtCancel).toBeGreaterThan(0);
    await closing;
    expect(images.decoders()).toEqual({ size: 2, live: 0, pending: 0 });
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the worker decodes on TRAINER_DECODE_THREADS threads: the same result as inline, and a cancel ends them", async () => {
    const { base, refs } = referencedDataset(48, 64, 34);
    const logs: string[] = [];
    const worker = TrainerWorker.start({ env: { TRAINER_DECODE_THREADS: "2" }, onLog: (m) => logs.push(m) });
    try {
      await worker.ready();
      const dataset = { ...base, images: referencedImages([camera(SIZE)], { ...refs, cacheBytes: 12 * IMAGE_BYTES }) };
      const result = await worker.train(dataset, CONFIG).result;
      const inline = referencedImages([camera(SIZE)], refs, { maxBytes: 12 * IMAGE_BYTES, decodeThreads: 0 });
      const here = await trainPolicy({ ...dataset, images: inline }, CONFIG);
      expect(result.lossCurve).toEqual(here.lossCurve);
      await expectCancelAfterFirstEpoch(worker, dataset, CONFIG);
      const closed = logs.filter((l) => /PNG decoder pool of 2 closed/.test(l));
      expect(closed).toHaveLength(2);
      for (const line of closed) expect(line).toMatch(/0 thread\(s\) running, 0 decode\(s\) pending/);
    } finally {
      await worker.terminate();
    }
  }, 120_000);
});
