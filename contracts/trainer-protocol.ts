/**
 * Messages between the trainer's callers and its `worker_threads` worker, typed once and validated
 * with zod on both sides: trainer/worker/client.ts parses what the worker sends, trainer/worker/train-worker.ts
 * what it receives. Browser-safe (zod only); the policy spec it carries is contracts/policy-spec.ts.
 *
 * Parent → worker: `train` or `reinforce` (one job at a time, of either kind), `cancel`, `shutdown`.
 * Worker → parent: `ready` (backend chosen), `progress` (every epoch) or `rl-progress` (every
 * REINFORCE iteration), then exactly one of `result` | `rl-result` | `cancelled` | `error` per job;
 * `log` lines at any time.
 * Rules: (1) a job id is echoed on every message about that job; (2) `train` while a job runs is
 * answered with `error` for the new job; (3) `cancel` for an unknown job is ignored; (4) after
 * `cancelled` no further messages for that job are sent; (5) the policy blob and the dataset arrays
 * travel as transferable buffers.
 */
import { z } from "zod";
import { ZHeadConfig, ZNetworkConfig, ZPolicySpec, ZVision } from "./policy-spec";
import { ZSpace } from "./spaces";

/* REINFORCE options and progress events (shared by the in-process API `reinforce()` and the worker protocol). */

export const ZReinforceOptions = z.object({
  iterations: z.number().int().min(1).max(100_000).default(50),
  episodesPerIteration: z.number().int().min(1).max(10_000).default(10),
  gamma: z.number().min(0).max(1).default(0.99),
  learningRate: z.number().positive().max(1).default(3e-3),
  baseline: z.enum(["none", "mean", "value"]).default("mean"),
  /** α: weight of the entropy bonus (0 = none). */
  entropyCoef: z.number().min(0).max(10).default(0),
  /** Standardise the advantages of each batch (mean 0, std 1). */
  normalizeAdvantages: z.boolean().default(true),
  /** Full-batch Adam steps of the value network per iteration (`baseline: "value"`). */
  valueSteps: z.number().int().min(1).max(1000).default(25),
  /**
   * `baseline: "value"`: iterations whose batches only fit the value network, with the policy left
   * alone (a fresh value net gives advantages that are mostly noise; from a good start that noise
   * costs more than it gains). Their episodes count, their events have `loss: 0`.
   */
  valueWarmupIterations: z.number().int().min(0).max(1000).default(0),
  /** Deterministic evaluation episodes before and after fine-tuning (0 = skip). */
  evalEpisodes: z.number().int().min(0).max(1000).default(10),
  /** Training episodes use env seeds firstSeed, firstSeed + 1, … (disjoint from evaluation's 100000+). */
  firstSeed: z.number().int().default(300_000),
  seed: z.number().int().default(0),
  /** Stop after this much wall time (the last completed iteration's weights are kept). */
  maxTrainMs: z.number().positive().optional(),
  envOptions: z.record(z.string(), z.unknown()).optional(),
});
export type TReinforceOptions = z.output<typeof ZReinforceOptions>;
export type TReinforceOptionsInput = z.input<typeof ZReinforceOptions>;

/** One iteration's event (the RL analogue of the training `progress` event). */
export const ZReinforceProgress = z.object({
  iteration: z.number().int().min(1),
  iterations: z.number().int().min(1),
  /** Undiscounted return of this iteration's (stochastic) training episodes. */
  meanReturn: z.number(),
  minReturn: z.number(),
  maxReturn: z.number(),
  meanLength: z.number(),
  steps: z.number().int(),
  /** The surrogate loss L(θ) before the step (0 in value warm-up iterations). */
  loss: z.number(),
  /** Mean −log π(a_t|s_t) of the taken actions (a sample estimate of the policy's entropy). */
  meanNll: z.number(),
  /** Value network MSE on this batch (normalised returns), `baseline: "value"` only. */
  valueLoss: z.number().nullable(),
  elapsedMs: z.number(),
  /** `tf.memory().numTensors` after the iteration: constant from iteration 2 on (leak check). */
  numTensors: z.number().int(),
});
export type ReinforceProgress = z.infer<typeof ZReinforceProgress>;

export const ZTrainConfig = z.object({
  actionSpace: ZSpace,
  /** Default: categorical for discrete spaces, state-dependent Gaussian for boxes. */
  head: ZHeadConfig.optional(),
  network: ZNetworkConfig.default({ hidden: [64, 64], activation: "relu" }),
  /** Members trained on online-bootstrap (Poisson(1)) resamples; > 1 gives an uncertainty estimate. */
  ensembleSize: z.number().int().min(1).max(32).default(1),
  epochs: z.number().int().min(1).max(100_000).default(200),
  batchSize: z.number().int().min(1).max(1 << 20).default(256),
  learningRate: z.number().positive().max(1).default(2e-3),
  /**
   * `constant`, or `cosine`: per epoch from `learningRate` down to `learningRate × 0.05` at the last epoch
   * (½(1 + cos π·(e−1)/(epochs−1))) — the late epochs settle instead of oscillating around the optimum.
   */
  learningRateSchedule: z.enum(["constant", "cosine"]).default("constant"),
  /** Fraction held out for early stopping (none when it would be < 1 sample). */
  validationSplit: z.number().min(0).max(0.5).default(0.1),
  /** Epochs without a val-loss improvement of at least `minDelta` before stopping. */
  patience: z.number().int().min(1).default(10),
  minDelta: z.number().min(0).default(1e-4),
  seed: z.number().int().default(0),
  /** Stop (keeping the best weights) after this much training time. */
  maxTrainMs: z.number().positive().optional(),
  envId: z.string().optional(),
  /** Image observations: the cameras and their ConvNet encoder (the dataset then carries `images`). */
  vision: ZVision.optional(),
  /**
   * Random-shift augmentation of training images (DrQ; Diffusion Policy's random crop): each image moves
   * by up to this many pixels with its border replicated. On (4) by default; 0 turns it off. Validation
   * images are never shifted.
   */
  randomShift: z.number().int().min(0).max(32).default(4),
});
export type TTrainConfig = z.output<typeof ZTrainConfig>;
export type TTrainConfigInput = z.input<typeof ZTrainConfig>;

export const ZFloat32Array = z.custom<Float32Array>((v) => v instanceof Float32Array, { message: "expected a Float32Array" });
/** A binary buffer (a policy blob, image bytes); travels as a transferable or a structured clone. */
export const ZBytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: "expected a Uint8Array" });

const ZInt32Array = z.custom<Int32Array>((v) => v instanceof Int32Array, { message: "expected an Int32Array" });

/**
 * An image dataset by reference (trainer/image-refs.ts): what each sample's images are made from, read and
 * decoded by the worker batch by batch through a bounded cache — never all decoded up front.
 */
export const ZImageRefs = z
  .object({
    /** Decoded pixels the worker's cache may hold (default: `TRAINER_IMAGE_CACHE_MB`, else 256 MiB). */
    cacheBytes: z.number().int().min(0).optional(),
    /** Row i's images are those of source `sampleSource[i]` (a state labelled twice is read once). */
    sampleSource: ZInt32Array,
    sources: z.number().int().min(1),
    /** Built-in camera env: its rasteriser draws each source's images from `envStates[source]`. */
    envId: z.string().min(1).optional(),
    envStates: z.array(z.array(z.number())).optional(),
    /** The disk blob store's directory: a frame given as a hash is read from there. */
    blobRoot: z.string().min(1).optional(),
    /** Per camera name, per source: the frame's blob hash, or its PNG bytes (a frame not in the disk store). */
    frames: z.record(z.string(), z.array(z.union([z.string().regex(/^[0-9a-f]{64}$/), ZBytes]))).optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: "custom", message });
    if ((r.envStates === undefined) === (r.frames === undefined)) issue("give either envStates (with envId) or frames");
    if (r.envStates !== undefined && (r.envId === undefined || r.envStates.length !== r.sources)) issue("envStates needs envId and one state per source");
    for (const [camera, list] of Object.entries(r.frames ?? {})) if (list.length !== r.sources) issue(`frames of camera "${camera}": ${list.length} for ${r.sources} sources`);
    if (r.sampleSource.some((s) => !(s >= 0 && s < r.sources))) issue("sampleSource points outside the sources");
  });
export type TImageRefs = z.output<typeof ZImageRefs>;

export const ZDatasetMessage = z
  .object({
    n: z.number().int().min(1),
    obsDim: z.number().int().min(0),
    actDim: z.number().int().min(1),
    observations: ZFloat32Array,
    actions: ZFloat32Array,
    /** Image datasets held in memory: `[n × H × W × C]` decoded bytes per camera of `config.vision` (transferable). */
    pixels: z.array(ZBytes).max(8).optional(),
    /** Image datasets by reference (the server's): decoded per batch in the worker. */
    imageRefs: ZImageRefs.optional(),
  })
  .refine((d) => d.observations.length === d.n * d.obsDim && d.actions.length === d.n * d.actDim, {
    message: "observations/actions lengths do not match n × obsDim / n × actDim",
  })
  .refine((d) => d.imageRefs === undefined || (d.pixels === undefined && d.imageRefs.sampleSource.length === d.n), {
    message: "an image dataset carries either pixels or imageRefs with one source per sample",
  });

export const TRAINER_BACKENDS = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"] as const;
export type TrainerBackendName = (typeof TRAINER_BACKENDS)[number];

export const ZBackendAttempt = z.object({
  backend: z.enum(TRAINER_BACKENDS),
  ok: z.boolean(),
  reason: z.string().optional(),
  ms: z.number(),
});

export type TBackendAttempt = z.infer<typeof ZBackendAttempt>;

export const ZGpuAdapterSummary = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  software: z.boolean(),
});
export type TGpuAdapterSummary = z.infer<typeof ZGpuAdapterSummary>;

/** The backend a process trains on; reported with every training result and benchmark. */
export const ZBackendInfo = z.object({
  name: z.enum(TRAINER_BACKENDS),
  /** `tf.getBackend()` after selection (`tensorflow` for both native builds). */
  tfBackend: z.string(),
  /** What was asked for: `auto` or a backend name. */
  requested: z.union([z.literal("auto"), z.enum(TRAINER_BACKENDS)]),
  /** One human-readable line, e.g. "wasm (SIMD, MatMul fix)". */
  detail: z.string(),
  wasmSimd: z.boolean().optional(),
  wasmMatMulFix: z.boolean().optional(),
  adapter: ZGpuAdapterSummary.optional(),
  /** Every backend tried, in order, with why it was skipped. */
  attempts: z.array(ZBackendAttempt),
  tfjsVersion: z.string(),
  initMs: z.number(),
});
export type TBackendInfo = z.infer<typeof ZBackendInfo>;

export const ZEpochStats = z.object({
  epoch: z.number().int().min(1),
  loss: z.number(),
  valLoss: z.number().nullable(),
});

export const ZTrainProgress = z.object({
  epoch: z.number().int().min(1),
  epochs: z.number().int().min(1),
  loss: z.number(),
  valLoss: z.number().nullable(),
  bestValLoss: z.number().nullable(),
  samplesPerSec: z.number(),
  elapsedMs: z.number(),
  /** `tf.memory().numTensors` after the epoch: constant from epoch 2 on (leak check). */
  numTensors: z.number().int(),
});
export type TTrainProgress = z.infer<typeof ZTrainProgress>;

export const ZTrainResult = z.object({
  blob: ZBytes,
  spec: ZPolicySpec,
  backend: ZBackendInfo,
  lossCurve: z.array(ZEpochStats),
  epochsRun: z.number().int(),
  bestEpoch: z.number().int(),
  stoppedEarly: z.boolean(),
  /** Why training ended: all epochs, early stopping, or the time budget. */
  stopReason: z.enum(["epochs", "early-stopping", "time-budget"]),
  warmStarted: z.boolean(),
  nTrain: z.number().int(),
  nVal: z.number().int(),
  finalLoss: z.number(),
  bestValLoss: z.number().nullable(),
  samplesPerSec: z.number(),
  timings: z.object({ setupMs: z.number(), trainMs: z.number(), serializeMs: z.number(), totalMs: z.number() }),
  /** Image datasets read through the decode cache: its counters at the end (`peakBytes` ≤ `maxBytes`). */
  imageCache: z
    .object({ hits: z.number(), misses: z.number(), notKept: z.number(), bytes: z.number(), peakBytes: z.number(), maxBytes: z.number() })
    .optional(),
});
export type TTrainResult = z.infer<typeof ZTrainResult>;

/** The deterministic evaluation summary (trainer/evaluate.ts `EvaluationSummary`). */
export const ZEvaluationSummary = z.object({
  envId: z.string(),
  episodes: z.number().int(),
  firstSeed: z.number().int(),
  meanReturn: z.number(),
  stdReturn: z.number(),
  successRate: z.number().nullable(),
  normalizedReturn: z.number().nullable(),
  meanLength: z.number(),
  meanUncertainty: z.number(),
  references: z
    .object({ expert: z.number(), random: z.number(), source: z.enum(["measured", "spec"]), expertSuccessRate: z.number().nullable().optional() })
    .nullable(),
});

/** What a REINFORCE job returns (trainer/rl/reinforce.ts `ReinforceResult`). */
export const ZReinforceResult = z.object({
  blob: ZBytes,
  spec: ZPolicySpec,
  backend: ZBackendInfo,
  curve: z.array(ZReinforceProgress),
  iterationsRun: z.number().int(),
  episodes: z.number().int(),
  steps: z.number().int(),
  stopReason: z.enum(["iterations", "time-budget"]),
  evaluation: z.object({ before: ZEvaluationSummary, after: ZEvaluationSummary }).nullable(),
  timings: z.object({ rolloutMs: z.number(), updateMs: z.number(), evalMs: z.number(), totalMs: z.number() }),
});
export type TReinforceResult = z.infer<typeof ZReinforceResult>;

export const ZToWorker = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("train"),
    jobId: z.string().min(1),
    config: ZTrainConfig,
    dataset: ZDatasetMessage,
    /** Warm start from this policy blob (same spec), or train from scratch. */
    warmStart: ZBytes.optional(),
  }),
  z.object({
    type: z.literal("reinforce"),
    jobId: z.string().min(1),
    /** The policy to start from (a single categorical, Gaussian or mixture policy). */
    blob: ZBytes,
    envId: z.string().min(1),
    options: ZReinforceOptions,
  }),
  z.object({ type: z.literal("cancel"), jobId: z.string().min(1) }),
  z.object({ type: z.literal("shutdown") }),
]);
export type TToWorker = z.input<typeof ZToWorker>;

export const ZFromWorker = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), backend: ZBackendInfo }),
  z.object({ type: z.literal("progress"), jobId: z.string(), progress: ZTrainProgress }),
  z.object({ type: z.literal("result"), jobId: z.string(), result: ZTrainResult }),
  z.object({ type: z.literal("rl-progress"), jobId: z.string(), progress: ZReinforceProgress }),
  z.object({ type: z.literal("rl-result"), jobId: z.string(), result: ZReinforceResult }),
  /** `epochsRun`: epochs (train) or iterations (reinforce) completed before the cancel. */
  z.object({ type: z.literal("cancelled"), jobId: z.string(), epochsRun: z.number().int() }),
  z.object({ type: z.literal("error"), jobId: z.string().nullable(), message: z.string(), stack: z.string().optional() }),
  z.object({ type: z.literal("log"), level: z.enum(["info", "warn"]), message: z.string() }),
]);
export type TFromWorker = z.output<typeof ZFromWorker>;
