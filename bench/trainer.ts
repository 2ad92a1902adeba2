/**
 * `npm run bench:trainer` — training throughput per available tfjs backend, and retrain time.
 *
 * 1. Samples/s of `trainPolicy` (custom Adam, dataset on the device, batches sliced there) for
 *    - an 8→256→256→3 MLP (categorical head, 3 logits) at batch 256, and
 *    - a 64→1024→1024→8 MLP at batch 4096,
 *    on every backend of the selection chain that this machine has (tfjs-node-gpu, WebGPU on a real
 *    adapter, tfjs-node, wasm with the MatMul fix, wasm with the stock kernels, pure-JS cpu). Steady
 *    state: the first epoch is a warm-up and not counted.
 *    - the image policy's ConvNet (default encoder: 32-32-32 channels, two stride-2 layers, spatial
 *      softmax, 64 features, fused with a 1-D state, categorical head) on 64×64×3 images at batch 64,
 *      random shift on — pixels read per batch from memory, as from the decode cache (not on the pure-JS
 *      cpu backend nor with the stock wasm MatMul: minutes per step, nothing to learn from it).
 * 2. Retrain time on 10,000 CarTrack-v0 expert samples with the default policy (Gaussian head,
 *    64→64) and the DAgger benchmark's training settings.
 *
 * Options (for scripts/gpu-check.sh): `--backends webgpu,wasm` runs only those selection-chain
 * backends (wasm = with the MatMul fix), `--no-retrain` skips part 2, `--out <name>` saves
 * bench/results/<name>.{json,md} instead of trainer.*.
 *
 * `--image-cache` instead measures only the ConvNet on wasm with its images read three ways, back to back:
 * from memory; by reference from PNG blobs on disk (what the server's worker does, trainer/image-refs.ts)
 * with a cache that holds them all; and with a 1 MiB cache that holds about a third of them (every batch
 * decoded again). Saved as bench/results/trainer-image-cache.{json,md}. With `--decode-threads 0,1,2` it instead
 * compares PNG decoder pool sizes (TRAINER_DECODE_THREADS, trainer/decode-pool.ts) on the decode-bound case — a
 * cache of 0 bytes, every image decoded every epoch — against in memory, in each pass; saved as
 * trainer-decode-threads.{json,md} (`--passes N`, default 3). The load average is printed per pass.
 *
 * Prints a markdown table and saves bench/results/trainer.json + trainer.md (machine, backend, date).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { decode as decodePng, encode as encodePng } from "fast-png";
import { createExpert, getEnvSpec } from "../envs/index";
import type { TrainerBackendName } from "../contracts/trainer-protocol";
import { backendInfoFromLoad, loadBackend } from "../trainer/backend";
import { makeDataset, type Dataset } from "../trainer/dataset";
import { installWasmMatMulFix, uninstallWasmMatMulFix } from "../trainer/kernels/wasm-matmul";
import { mulberry32 } from "../trainer/random";
import { rollout } from "../trainer/rollout";
import { QUICK_TRAINING } from "../trainer/dagger/presets";
import { trainPolicy } from "../trainer/train";
import { saveResults } from "./lib/results";
import { inMemoryImages, type ImageSource } from "../trainer/images";
import { DEFAULT_IMAGE_CACHE_BYTES, referencedImages } from "../trainer/image-refs";
import { decodeThreads } from "../trainer/decode-pool";
import type { TCamera } from "../contracts/policy-spec";
import type { TTrainResult } from "../contracts/trainer-protocol";
import { diskBlobPath } from "../contracts/blob-layout";

interface Row {
  [key: string]: string | number | null;
  backend: string;
  benchmark: string;
  batch: number | null;
  samplesPerSec: number | null;
  msPerStep: number | null;
  seconds: number | null;
  note: string;
}

const rows: Row[] = [];
const log = (m: string): void => void process.stderr.write(`${m}\n`);

function synthetic(n: number, inDim: number, classes: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const obs: number[][] = [];
  const act: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: inDim }, () => rng() * 2 - 1);
    obs.push(x);
    act.push(Math.floor(((x[0] as number) + 1) * 0.5 * classes) % classes);
  }
  return makeDataset(obs, act);
}

/** Steady-state samples/s (epochs after the first) of trainPolicy on `ds`. */
async function throughput(
  name: TrainerBackendName,
  detail: string,
  ds: Dataset,
  classes: number,
  hidden: number[],
  batch: number,
  epochs: number,
): Promise<{ samplesPerSec: number; msPerStep: number }> {
  const loadedInfo = backendInfoFromLoad(name, { attempt: { backend: name, ok: true, ms: 0 }, detail });
  const marks: number[] = [];
  await trainPolicy(
    ds,
    {
      actionSpace: { type: "discrete", n: classes },
      network: { hidden, activation: "relu" },
      epochs,
      patience: 1000,
      batchSize: batch,
      validationSplit: 0,
      seed: 1,
    },
    { backend: loadedInfo, onProgress: (p) => marks.push(p.elapsedMs) },
  );
  const measuredEpochs = epochs - 1;
  const ms = (marks[marks.length - 1] as number) - (marks[0] as number);
  const steps = measuredEpochs * Math.ceil(ds.n / batch);
  return { samplesPerSec: (ds.n * measuredEpochs) / (ms / 1000), msPerStep: ms / steps };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const onlyBackends = arg("--backends")?.split(",");
const retrain = !process.argv.includes("--no-retrain");
const imageCacheOnly = process.argv.includes("--image-cache");
const decodeThreadList = arg("--decode-threads")?.split(",").map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--decode-threads: whole numbers ≥ 0, got "${t}"`);
  return n;
});
const outName = arg("--out") ?? (imageCacheOnly ? (decodeThreadList === undefined ? "trainer-image-cache" : "trainer-decode-threads") : "trainer");

/** `n` random 64×64×3 images (the pixels' content does not change the arithmetic) with a 1-D state. */
function syntheticImages(n: number, size: number, seed: number): { ds: Dataset; camera: TCamera } {
  const rng = mulberry32(seed);
  const camera: TCamera = { name: "image", shape: [size, size, 3] };
  const pixels = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng() * 256);
  const observations = Float32Array.from({ length: n }, () => rng());
  const actions = Float32Array.from({ length: n }, () => Math.floor(rng() * 4));
  return { ds: { n, obsDim: 1, actDim: 1, observations, actions, images: inMemoryImages([camera], [pixels], n) }, camera };
}

/** Steady-state samples/s of the ConvNet image policy (epochs after the first); `images` replaces the in-memory pixels. */
async function convThroughput(
  name: TrainerBackendName,
  detail: string,
  n: number,
  batch: number,
  epochs: number,
  images?: (ds: Dataset) => ImageSource,
): Promise<{ samplesPerSec: number; msPerStep: number; imageCache?: TTrainResult["imageCache"] }> {
  const { ds, camera } = syntheticImages(n, 64, 5);
  const marks: number[] = [];
  const source = images?.(ds);
  let r: TTrainResult;
  try {
    r = await trainPolicy(
      source === undefined ? ds : { ...ds, images: source },
      { actionSpace: { type: "discrete", n: 4 }, vision: { cameras: [camera] }, epochs, patience: 1000, batchSize: batch, validationSplit: 0, seed: 1 },
      { backend: backendInfoFromLoad(name, { attempt: { backend: name, ok: true, ms: 0 }, detail }), onProgress: (p) => marks.push(p.elapsedMs) },
    );
  } finally {
    // A source by reference owns decoder threads: end them before the next variant runs.
    await (source as { close?: () => Promise<void> } | undefined)?.close?.();
  }
  const ms = (marks[marks.length - 1] as number) - (marks[0] as number);
  return { samplesPerSec: (n * (epochs - 1)) / (ms / 1000), msPerStep: ms / ((epochs - 1) * Math.ceil(n / batch)), ...(r.imageCache ? { imageCache: r.imageCache } : {}) };
}

const PASSES = Number(arg("--passes") ?? 3);

/** `--image-cache`: ConvNet samples/s with images from memory vs. decoded per batch from PNG blobs, large and small cache. */
async function imageCacheBench(): Promise<void> {
  const loaded = await loadBackend("wasm", { wasmMatMulFix: true });
  if (!loaded.attempt.ok) throw new Error(`wasm not available: ${loaded.attempt.reason}`);
  installWasmMatMulFix();
  const n = 64 * 4;
  const medians: string[] = [];
  const vsInline: string[] = [];
  const passLoads: number[] = [];
  let decodeMs = NaN;
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-image-cache-"));
  try {
    // The same pixels as PNG blobs in the disk store's layout (random pixels: PNG's worst case to decode).
    const { ds } = syntheticImages(n, 64, 5);
    const size = 64 * 64 * 3;
    const hashes: string[] = [];
    const pngs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const png = encodePng({ width: 64, height: 64, channels: 3, depth: 8, data: ds.images!.load(i, 0) as Uint8Array });
      const hash = createHash("sha256").update(png).digest("hex");
      const file = diskBlobPath(root, hash);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, png);
      hashes.push(hash);
      pngs.push(png);
    }
    // The cost being moved off the training thread: one warm inline decode (3rd of 3 rounds over every PNG).
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (const png of pngs) decodePng(png);
      decodeMs = (performance.now() - t0) / n;
    }
    log(`warm inline decode: ${decodeMs.toFixed(3)} ms per 64×64×3 PNG`);
    const refs = (maxBytes: number, threads?: number) => (d: Dataset) =>
      referencedImages(
        d.images!.cameras,
        { sampleSource: Int32Array.from({ length: n }, (_, i) => i), sources: n, blobRoot: root, frames: { image: hashes } },
        { maxBytes, ...(threads === undefined ? {} : { decodeThreads: threads }) },
      );
    const variants =
      decodeThreadList === undefined
        ? [
            { label: "in memory", images: undefined },
            { label: `by reference, cache ${DEFAULT_IMAGE_CACHE_BYTES / 2 ** 20} MiB (all fit)`, images: refs(DEFAULT_IMAGE_CACHE_BYTES) },
            { label: "by reference, cache 1 MiB", images: refs(2 ** 20) },
          ]
        : [
            { label: "in memory", images: undefined },
            ...decodeThreadList.map((t) => ({ label: `by reference, cache 0 (all decoded each epoch), ${t === 0 ? "decoded inline" : `${t} decoder thread${t === 1 ? "" : "s"}`}`, images: refs(0, t) })),
          ];
    const ratios: number[][] = variants.map(() => []);
    for (let round = 0; round < PASSES; round++) {
      passLoads.push(os.loadavg()[0] ?? 0);
      log(`pass ${round + 1}: load average ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} (1 / 5 / 15 min)`);
      let base = NaN;
      for (const [k, v] of variants.entries()) {
        const c = await convThroughput("wasm", loaded.detail, n, 64, 4, v.images);
        if (k === 0) base = c.samplesPerSec;
        (ratios[k] as number[]).push(c.samplesPerSec / base);
        const cache = c.imageCache ? `; cache: ${c.imageCache.misses} decodes, ${c.imageCache.hits} hits, peak ${(c.imageCache.peakBytes / 2 ** 20).toFixed(2)} MiB of ${(c.imageCache.maxBytes / 2 ** 20).toFixed(0)} MiB` : "";
        log(`  round ${round + 1}, ${v.label}: ${c.samplesPerSec.toFixed(1)} samples/s${cache}`);
        rows.push({ backend: "wasm + MatMul fix", benchmark: `ConvNet 64×64×3 @64, images ${v.label}, pass ${round + 1}`, batch: 64, samplesPerSec: c.samplesPerSec, msPerStep: c.msPerStep, seconds: null, note: `${n} images (${((n * size) / 2 ** 20).toFixed(1)} MiB decoded)${cache}` });
      }
    }
    variants.forEach((v, k) => {
      const sorted = [...(ratios[k] as number[])].sort((a, b) => a - b);
      medians.push(`${v.label}: ${(sorted[Math.floor(sorted.length / 2)] as number).toFixed(2)}× in memory (passes: ${(ratios[k] as number[]).map((r) => r.toFixed(2)).join(", ")})`);
    });
    // Decoder pools against decoding inline, pass by pass (only with --decode-threads including 0).
    const inline = decodeThreadList?.indexOf(0) ?? -1;
    if (inline >= 0) {
      decodeThreadList!.forEach((t, j) => {
        if (t === 0) return;
        const per = (ratios[j + 1] as number[]).map((r, p) => r / ((ratios[inline + 1] as number[])[p] as number));
        const mid = [...per].sort((a, b) => a - b)[Math.floor(per.length / 2)] as number;
        vsInline.push(`${t} thread${t === 1 ? "" : "s"}: ${mid.toFixed(2)}× inline (passes: ${per.map((r) => r.toFixed(2)).join(", ")})`);
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  for (const m of [...medians, ...vsInline]) log(m);
  const md = saveResults(outName, {
    title:
      decodeThreadList === undefined
        ? "ConvNet training: images from memory vs. decoded per batch behind the bounded cache"
        : "ConvNet training: PNG decoding inline vs. on a pool of decoder threads (every image decoded every epoch)",
    rows,
    columns: [{ key: "backend" }, { key: "benchmark" }, { key: "batch" }, { key: "samplesPerSec", header: "samples/s" }, { key: "msPerStep", header: "ms/step" }, { key: "note" }],
    notes: [
      "samples/s: steady state (epochs 2–4; epoch 1, which fills the large cache, not counted). Variants run back to back, in passes, on the same loaded machine: compare within a pass.",
      `Median over ${PASSES} passes of samples/s relative to in memory, same pass — ${medians.join("; ")}.`,
      ...(vsInline.length === 0 ? [] : [`Median over ${PASSES} passes of samples/s relative to decoding inline, same pass — ${vsInline.join("; ")}.`]),
      `A warm inline decode of one of these PNGs (fast-png, on this thread) took ${decodeMs.toFixed(3)} ms: ≈ ${(decodeMs * 64).toFixed(1)} ms a batch of 64 — the most a decoder pool can take off a step here.`,
      `1-minute load average at the start of each pass: ${passLoads.map((l) => l.toFixed(1)).join(", ")} (${os.availableParallelism()} cores).`,
      "By reference: PNG files in the disk blob store's layout, read and decoded by trainer/image-refs.ts through the bounded cache of trainer/images.ts (resident set, no eviction), the next batch prefetched.",
      `PNG decoding: on TRAINER_DECODE_THREADS decoder threads (trainer/decode-pool.ts; default here ${decodeThreads()}), 0 = inline on the training thread. ${os.availableParallelism()} core(s): the decoders and the training thread share them with whatever else runs on the machine.`,
    ],
  });
  process.stdout.write(`${md}\n`);
}

interface Variant {
  readonly name: TrainerBackendName;
  readonly label: string;
  readonly matMulFix?: boolean;
  readonly large: "run" | "one-step" | "skip";
}

const VARIANTS: readonly Variant[] = [
  { name: "tensorflow-gpu", label: "tfjs-node-gpu", large: "run" },
  { name: "webgpu", label: "webgpu", large: "run" },
  { name: "tensorflow", label: "tfjs-node", large: "run" },
  { name: "wasm", label: "wasm + MatMul fix", matMulFix: true, large: "run" },
  { name: "wasm", label: "wasm, stock MatMul", matMulFix: false, large: "one-step" },
  { name: "cpu", label: "cpu (pure JS)", large: "skip" },
];

async function main(): Promise<void> {
  if (imageCacheOnly) {
    await imageCacheBench();
    return;
  }
  const small = synthetic(256 * 20, 8, 3, 1);
  const large = synthetic(4096 * 2, 64, 8, 2);
  const largeOneStep = synthetic(4096, 64, 8, 3);
  let wasmDetail = "";
  const variants = VARIANTS.filter((v) => onlyBackends === undefined || (onlyBackends.includes(v.name) && v.matMulFix !== false));
  for (const v of variants) {
    const loaded = await loadBackend(v.name, v.matMulFix === undefined ? {} : { wasmMatMulFix: v.matMulFix });
    if (!loaded.attempt.ok) {
      log(`${v.label}: not available — ${loaded.attempt.reason}`);
      rows.push({ backend: v.label, benchmark: "—", batch: null, samplesPerSec: null, msPerStep: null, seconds: null, note: `not available: ${loaded.attempt.reason}` });
      continue;
    }
    if (v.name === "wasm") {
      if (v.matMulFix) installWasmMatMulFix();
      else uninstallWasmMatMulFix();
      if (v.matMulFix) wasmDetail = loaded.detail;
    }
    log(`${v.label}: ${loaded.detail}`);
    const s = await throughput(v.name, loaded.detail, small, 3, [256, 256], 256, v.name === "cpu" ? 3 : 5);
    log(`  8→256→256→3 @256: ${Math.round(s.samplesPerSec)} samples/s`);
    rows.push({ backend: v.label, benchmark: "MLP 8→256→256→3", batch: 256, samplesPerSec: s.samplesPerSec, msPerStep: s.msPerStep, seconds: null, note: loaded.detail });
    if (v.large === "skip") {
      rows.push({ backend: v.label, benchmark: "MLP 64→1024→1024→8", batch: 4096, samplesPerSec: null, msPerStep: null, seconds: null, note: "skipped: pure-JS cpu would take minutes per step" });
      continue;
    }
    if (v.matMulFix !== false) {
      // GPUs get more steps (they are fast, and their first steps compile shaders).
      const gpu = v.name === "webgpu" || v.name === "tensorflow-gpu";
      const c = await convThroughput(v.name, loaded.detail, gpu ? 64 * 32 : 64 * 4, 64, 3);
      log(`  ConvNet 64×64×3 @64: ${c.samplesPerSec.toFixed(1)} samples/s`);
      rows.push({ backend: v.label, benchmark: "ConvNet 64×64×3 (32-32-32, spatial softmax) + state", batch: 64, samplesPerSec: c.samplesPerSec, msPerStep: c.msPerStep, seconds: null, note: `${loaded.detail}; random shift 4 px` });
    }
    const oneStep = v.large === "one-step";
    const l = await throughput(v.name, loaded.detail, oneStep ? largeOneStep : large, 8, [1024, 1024], 4096, oneStep ? 2 : 3);
    log(`  64→1024→1024→8 @4096: ${Math.round(l.samplesPerSec)} samples/s`);
    rows.push({
      backend: v.label,
      benchmark: "MLP 64→1024→1024→8",
      batch: 4096,
      samplesPerSec: l.samplesPerSec,
      msPerStep: l.msPerStep,
      seconds: null,
      note: oneStep ? `${loaded.detail}; one timed step` : loaded.detail,
    });
  }

  // ---- retrain time on 10k CarTrack expert samples ----
  const trajs = rollout({ envId: "CarTrack-v0", expert: createExpert("CarTrack-v0"), beta: 1, episodes: 10, firstSeed: 1000 });
  const steps = trajs.flatMap((t) => t.steps).slice(0, 10_000);
  const carTrack = makeDataset(steps.map((s) => s.observation), steps.map((s) => s.action as number[]));
  const actionSpace = getEnvSpec("CarTrack-v0").actionSpace;
  const retrainSettings = [
    { label: "default settings (≤200 epochs, patience 10, batch 256, lr 2e-3)", config: {} },
    { label: "DAgger bench settings (≤100 epochs, patience 10, lr 2e-3)", config: QUICK_TRAINING },
  ];
  for (const be of retrain ? (["wasm", "cpu"] as const) : []) {
    const loaded = await loadBackend(be, { wasmMatMulFix: true });
    if (!loaded.attempt.ok) continue;
    for (const { label, config } of retrainSettings) {
      // The pure-JS backend would take minutes: time-boxed to 60 s (the row says so).
      const cap = be === "cpu" ? { maxTrainMs: 60_000 } : {};
      const t0 = performance.now();
      const r = await trainPolicy(carTrack, { actionSpace, seed: 1, ...config, ...cap }, { backend: backendInfoFromLoad(be, loaded) });
      const seconds = (performance.now() - t0) / 1000;
      log(`retrain 10k CarTrack on ${loaded.detail}, ${label}: ${seconds.toFixed(1)} s (${r.epochsRun} epochs, ${r.stopReason})`);
      rows.push({
        backend: be === "wasm" ? "wasm + MatMul fix" : "cpu (pure JS)",
        benchmark: `retrain 10k CarTrack samples, ${label}`,
        batch: (config as { batchSize?: number }).batchSize ?? 256,
        samplesPerSec: r.samplesPerSec,
        msPerStep: null,
        seconds,
        note: `${r.epochsRun} epochs, stop: ${r.stopReason}, best val NLL ${r.bestValLoss?.toFixed(3)}`,
      });
    }
  }

  const wasmConv = rows.find((r) => r.backend === "wasm + MatMul fix" && r.benchmark.startsWith("ConvNet"))?.samplesPerSec ?? null;
  const gpuConv = rows.find((r) => r.backend === "webgpu" && r.benchmark.startsWith("ConvNet"))?.samplesPerSec ?? null;
  const gpuLine =
    gpuConv === null || wasmConv === null
      ? "ConvNet on WebGPU: UNMEASURED — no GPU adapter on this machine (run scripts/gpu-check.sh where an NVIDIA GPU is lent)."
      : `ConvNet on WebGPU: ${(gpuConv / wasmConv).toFixed(1)}× wasm (goal ≥ 10×): ${gpuConv / wasmConv >= 10 ? "met" : "MISSED"} (same machine, same run).`;
  log(gpuLine);
  const md = saveResults(outName, {
    title: "Trainer throughput per backend and retrain time",
    rows,
    columns: [
      { key: "backend" },
      { key: "benchmark" },
      { key: "batch" },
      { key: "samplesPerSec", header: "samples/s" },
      { key: "msPerStep", header: "ms/step" },
      { key: "seconds", header: "wall s" },
      { key: "note" },
    ],
    notes: [
      "samples/s: steady state of trainPolicy (custom Adam, on-device shuffling), first epoch not counted; categorical head (softmax cross-entropy).",
      "Goals: wasm ≥ 25k samples/s for 8→256→256→3 at batch 256; retrain on 10k samples ≤ 15 s on CPU; ConvNet 64×64×3 at batch 64: reported on wasm, ≥ 10× that on WebGPU where a GPU is lent.",
      gpuLine,
      "ConvNet on wasm: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter; both conv gradients run as forward convolutions (trainer/policy/vision-tf.ts).",
      "The machine is shared with other work (see load in the header): timings vary by ±30% between runs.",
      `tfjs ${tf.version.tfjs}; wasm files loaded from node_modules; ${wasmDetail}`,
    ],
    extra: { backends: variants.map((v) => v.label), convnetWebgpuOverWasm: gpuConv !== null && wasmConv !== null ? gpuConv / wasmConv : null },
  });
  process.stdout.write(`${md}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
