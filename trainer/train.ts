/**
 * `trainPolicy` — maximum-likelihood training of a policy on (observation, action) pairs, in-process.
 * The worker (worker/train-worker.ts) calls it; tests and benchmarks may call it directly.
 *
 * Mechanics:
 * - the dataset is normalised once on the host, uploaded once, and reshuffled each epoch on the device
 *   (one gather per epoch; batches are slices of the shuffled tensors);
 * - an ensemble is trained jointly: every member sees every batch, weighted by its own Poisson(1)
 *   online-bootstrap weight per sample (Oza & Russell), which matches training on a bootstrap resample;
 * - early stopping on a held-out split keeps the best epoch's weights;
 * - no host sync per batch: the epoch loss is accumulated on the device and read once per epoch;
 * - the loop yields to the event loop at least every `yieldEveryMs`, so a worker sees `cancel`;
 * - image policies (`config.vision`): states and targets stay on the device as above, but pixels do not
 *   (a 64×64×3 image is 12 KiB as bytes, 48 KiB as a float tensor): each batch's images are read from
 *   `dataset.images` (a bounded decode cache in front of the blob store, or memory), randomly shifted
 *   (DrQ) on the host, uploaded as integers and scaled to [0, 1] in the graph (vision-tf.ts).
 *
 * Node only (it selects the backend); the policy it produces loads anywhere (policy/).
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend, type BackendInfo } from "./backend";
import type { Dataset } from "./dataset";
import { loadImageBatch, type ImageSource } from "./images";
import { TrainingCancelledError } from "./errors";
import { FastAdam } from "./optim/adam";
import { computeNormalization, normalizeActions, normalizeObservations } from "./policy/normalize";
import { actionDim, defaultHead, headInputDim, type TPolicySpec } from "./policy/spec";
import {
  createTfMembers,
  disposeTfMembers,
  loadTfMembers,
  memberInputs,
  serializeTfMembers,
  trainableVariables,
  type TfMember,
} from "./policy/tf-members";
import { createHead, type PolicyHead } from "./policy/heads";
import { ZTrainConfig, type TTrainConfig, type TTrainConfigInput, type TTrainProgress, type TTrainResult } from "./protocol";
import { mulberry32, permutation, poisson1, subSeed } from "./random";

export interface TrainHooks {
  /** Called after every epoch. */
  readonly onProgress?: (progress: TTrainProgress) => void;
  /** Polled between batches; true stops training with {@link TrainingCancelledError}. */
  readonly isCancelled?: () => boolean;
  /** Continue from this policy blob (same spec; its normalisation is kept) instead of from scratch. */
  readonly warmStart?: Uint8Array;
  /** Use this (already active) backend instead of {@link selectBackend} — for benchmarks. */
  readonly backend?: BackendInfo;
  /** Yield to the event loop at least this often (default 50 ms). */
  readonly yieldEveryMs?: number;
}

export { TrainingCancelledError };

/** The cosine schedule's rate for `epoch` (1-based) of `epochs`: `lr` at the first, `lr × 0.05` at the last. */
export function cosineLearningRate(lr: number, epoch: number, epochs: number): number {
  const progress = epochs <= 1 ? 0 : (epoch - 1) / (epochs - 1);
  return lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function trainPolicy(
  dataset: Dataset,
  configInput: TTrainConfigInput,
  hooks: TrainHooks = {},
): Promise<TTrainResult> {
  const t0 = performance.now();
  const config = ZTrainConfig.parse(configInput);
  const backend = hooks.backend ?? (await selectBackend({ expectedBatchSize: config.batchSize }));
  const space = config.actionSpace;
  const headConfig = config.head ?? defaultHead(space);
  if (dataset.actDim !== actionDim(space)) {
    throw new Error(`dataset actions have ${dataset.actDim} element(s), the action space needs ${actionDim(space)}`);
  }
  if (dataset.n < 2) throw new Error("training needs at least 2 samples");
  const images = checkImages(dataset, config.vision);
  if (dataset.obsDim === 0 && images === null) throw new Error("a state-only policy needs observations with at least one element");

  // ---- model: fresh or warm-started ----
  let spec: TPolicySpec;
  let head: PolicyHead;
  let members: TfMember[];
  if (hooks.warmStart !== undefined) {
    const loaded = await loadTfMembers(hooks.warmStart);
    spec = loaded.spec;
    members = loaded.members;
    const wanted = { obsDim: dataset.obsDim, actionSpace: space, head: headConfig, network: config.network, ensembleSize: config.ensembleSize, vision: config.vision };
    const have = { obsDim: spec.obsDim, actionSpace: spec.actionSpace, head: spec.head, network: spec.network, ensembleSize: spec.ensembleSize, vision: spec.vision };
    if (JSON.stringify(wanted) !== JSON.stringify(have)) {
      disposeTfMembers(members);
      throw new Error(`warm start: the blob's policy (${JSON.stringify(have)}) differs from the requested one (${JSON.stringify(wanted)})`);
    }
    head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
  } else {
    spec = {
      obsDim: dataset.obsDim,
      actionSpace: space,
      head: headConfig,
      network: config.network,
      ensembleSize: config.ensembleSize,
      normalization: computeNormalization(dataset, space),
      ...(config.envId === undefined ? {} : { envId: config.envId }),
      ...(config.vision === undefined ? {} : { vision: config.vision }),
    };
    ({ head, members } = createTfMembers(spec, config.seed));
  }

  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  let optimizer: FastAdam | null = null;
  let snapshot: tf.Tensor[] | null = null;
  try {
    // ---- data on the device ----
    const n = dataset.n;
    const obs = normalizeObservations(spec.normalization, dataset.observations, n);
    const acts = space.type === "discrete" ? dataset.actions : normalizeActions(spec.normalization, dataset.actions, n);
    const targets = head.encodeTargets(acts, n);
    for (const v of targets) if (!Number.isFinite(v)) throw new Error("training targets contain a non-finite value");
    const rng = mulberry32(subSeed(config.seed, 1));
    const order = permutation(n, rng);
    let nVal = Math.floor(n * config.validationSplit);
    if (nVal < 1 || n - nVal < 1) nVal = 0;
    const nTrain = n - nVal;
    const M = spec.ensembleSize;
    const rows = (src: Float32Array, width: number, from: number, to: number): Float32Array => {
      const out = new Float32Array((to - from) * width);
      for (let i = from; i < to; i++) out.set(src.subarray((order[i] as number) * width, ((order[i] as number) + 1) * width), (i - from) * width);
      return out;
    };
    const obsDim = spec.obsDim;
    const tDim = head.targetDim;
    const xTrain = keep(tf.tensor2d(rows(obs, obsDim, 0, nTrain), [nTrain, obsDim]));
    const tTrain = keep(tf.tensor2d(rows(targets, tDim, 0, nTrain), [nTrain, tDim]));
    const boot = new Float32Array(nTrain * M);
    for (let i = 0; i < boot.length; i++) boot[i] = M === 1 ? 1 : poisson1(rng);
    const wTrain = keep(tf.tensor2d(boot, [nTrain, M]));
    const xVal = nVal > 0 ? keep(tf.tensor2d(rows(obs, obsDim, nTrain, n), [nVal, obsDim])) : null;
    const tVal = nVal > 0 ? keep(tf.tensor2d(rows(targets, tDim, nTrain, n), [nVal, tDim])) : null;

    optimizer = new FastAdam({ learningRate: config.learningRate });
    const vars = trainableVariables(members);

    /**
     * Mean over members of each member's (bootstrap-weighted) mean NLL. `pixels[c]`: camera c's
     * `[b, H, W, C]` images of the batch (image policies).
     */
    const batchLoss = (x: tf.Tensor2D, t: tf.Tensor2D, w: tf.Tensor2D | null, noiseSeed?: number, pixels: readonly tf.Tensor4D[] = []): tf.Scalar =>
      tf.tidy(() => {
        const b = x.shape[0];
        let total: tf.Tensor | null = null;
        members.forEach((member, m) => {
          const nll = head.nll({
            tf,
            obs: memberInputs(spec, member, x, pixels),
            targets: t,
            forward: (i, input) => (member.nets[i] as tf.Sequential).apply(input) as tf.Tensor2D,
            extras: member.extras as unknown as ReadonlyMap<string, tf.Tensor1D>,
            ...(noiseSeed === undefined ? {} : { noiseSeed: noiseSeed + 7919 * m }),
          });
          let loss: tf.Tensor;
          if (w === null || M === 1) loss = tf.mean(nll);
          else {
            const wm = tf.reshape(tf.slice(w, [0, m], [b, 1]), [b]);
            loss = tf.div(tf.sum(tf.mul(wm, nll)), tf.add(tf.sum(wm), 1e-6));
          }
          total = total === null ? loss : tf.add(total, loss);
        });
        return tf.div(total as unknown as tf.Tensor, M) as tf.Scalar;
      });

    // Heads with a stochastic loss (cvae, diffusion) see the same noise at every validation pass.
    const valNoiseSeed = subSeed(config.seed, 3) % 1_000_000;
    // Image batches: sample indices of dataset rows; pixels come from `images` (see checkImages).
    const shiftRng = mulberry32(subSeed(config.seed, 5));
    const pixelBatch = async (samples: ArrayLike<number>, shift: number): Promise<tf.Tensor4D[]> => {
      if (images === null) return [];
      // Every camera read before any upload: a failed read leaves no tensor behind.
      await images.prefetch?.(samples);
      const host: Int32Array[] = [];
      for (const c of images.cameras.keys()) host.push(await loadImageBatch(images, c, samples, shift, shiftRng));
      return images.cameras.map((cam, c) => tf.tensor4d(host[c] as Int32Array, [samples.length, ...cam.shape], "int32"));
    };
    const valLossOf = async (): Promise<number | null> => {
      if (xVal === null || tVal === null) return null;
      // Image batches are memory-bound on the host side and in conv activations: smaller chunks.
      const chunk = images === null ? 4096 : Math.max(config.batchSize, 64);
      let sum: tf.Tensor = tf.scalar(0);
      for (let s = 0; s < nVal; s += chunk) {
        const size = Math.min(chunk, nVal - s);
        let pixels: tf.Tensor4D[];
        try {
          pixels = await pixelBatch(order.subarray(nTrain + s, nTrain + s + size), 0);
        } catch (err) {
          sum.dispose();
          throw err;
        }
        const next = tf.tidy(() => {
          const l = batchLoss(tf.slice(xVal, [s, 0], [size, obsDim]) as tf.Tensor2D, tf.slice(tVal, [s, 0], [size, tDim]) as tf.Tensor2D, null, valNoiseSeed + s, pixels);
          return tf.add(sum, tf.mul(l, size));
        });
        tf.dispose(pixels);
        sum.dispose();
        sum = next;
      }
      const v = (await sum.data())[0] as number;
      sum.dispose();
      return v / nVal;
    };

    const takeSnapshot = (): void => {
      snapshot?.forEach((t) => t.dispose());
      snapshot = vars.map((v) => tf.keep(tf.clone(v)));
    };
    const restoreSnapshot = (): void => {
      if (snapshot === null) return;
      vars.forEach((v, i) => v.assign(snapshot![i] as tf.Tensor));
    };

    const setupMs = performance.now() - t0;
    const tTrainStart = performance.now();
    let trainStepMs = 0;
    const lossCurve: TTrainResult["lossCurve"] = [];
    let best = Infinity;
    let bestValLoss: number | null = null;
    let bestEpoch = 0;
    let badEpochs = 0;
    let stopReason: TTrainResult["stopReason"] = "epochs";
    let epochsRun = 0;
    let lastYield = performance.now();
    const yieldEvery = hooks.yieldEveryMs ?? 50;
    const bs = Math.min(config.batchSize, nTrain);
    const epochRng = mulberry32(subSeed(config.seed, 2));

    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const tEpoch = performance.now();
      if (config.learningRateSchedule === "cosine") optimizer.setLearningRate(cosineLearningRate(config.learningRate, epoch, config.epochs));
      const perm = permutation(nTrain, epochRng);
      const idx = tf.tensor1d(perm, "int32");
      const xs = tf.gather(xTrain, idx);
      const ts = tf.gather(tTrain, idx);
      const ws = tf.gather(wTrain, idx);
      idx.dispose();
      let lossSum: tf.Tensor = tf.scalar(0);
      for (let s = 0; s < nTrain; s += bs) {
        const size = Math.min(bs, nTrain - s);
        // Fresh, seeded noise for heads with a stochastic loss: a seeded run is reproducible.
        const noiseSeed = subSeed(config.seed, 4, epoch, s) % 1_000_000_007;
        let pixels: tf.Tensor4D[] = [];
        if (images !== null) {
          const samples = new Int32Array(size);
          for (let j = 0; j < size; j++) samples[j] = order[perm[s + j] as number] as number;
          try {
            pixels = await pixelBatch(samples, config.randomShift);
          } catch (err) {
            tf.dispose([xs, ts, ws, lossSum]); // an unreadable image ends the run without leaking the epoch's tensors
            throw err;
          }
        }
        const cost = optimizer.minimize(
          () =>
            batchLoss(
              tf.slice(xs, [s, 0], [size, obsDim]) as tf.Tensor2D,
              tf.slice(ts, [s, 0], [size, tDim]) as tf.Tensor2D,
              tf.slice(ws, [s, 0], [size, M]) as tf.Tensor2D,
              noiseSeed,
              pixels,
            ),
          true,
          vars,
        ) as unknown as tf.Scalar;
        tf.dispose(pixels);
        const next = tf.tidy(() => tf.add(lossSum, tf.mul(cost, size)));
        cost.dispose();
        lossSum.dispose();
        lossSum = next;
        if (performance.now() - lastYield > yieldEvery) {
          await yieldToEventLoop();
          lastYield = performance.now();
          if (hooks.isCancelled?.()) {
            tf.dispose([xs, ts, ws, lossSum]);
            throw new TrainingCancelledError(epochsRun);
          }
        }
      }
      const loss = ((await lossSum.data())[0] as number) / nTrain;
      tf.dispose([xs, ts, ws, lossSum]);
      trainStepMs += performance.now() - tEpoch;
      const valLoss = await valLossOf();
      epochsRun = epoch;
      lossCurve.push({ epoch, loss, valLoss });
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch}`);

      const monitored = valLoss ?? loss;
      if (monitored < best - config.minDelta) {
        best = monitored;
        bestValLoss = valLoss;
        bestEpoch = epoch;
        badEpochs = 0;
        takeSnapshot();
      } else {
        badEpochs++;
      }
      hooks.onProgress?.({
        epoch,
        epochs: config.epochs,
        loss,
        valLoss,
        bestValLoss,
        samplesPerSec: (nTrain * epoch) / (trainStepMs / 1000),
        elapsedMs: performance.now() - t0,
        numTensors: tf.memory().numTensors,
      });
      await yieldToEventLoop();
      lastYield = performance.now();
      if (hooks.isCancelled?.()) throw new TrainingCancelledError(epochsRun);
      if (badEpochs >= config.patience) {
        stopReason = "early-stopping";
        break;
      }
      if (config.maxTrainMs !== undefined && performance.now() - tTrainStart >= config.maxTrainMs) {
        stopReason = epoch < config.epochs ? "time-budget" : "epochs";
        break;
      }
    }
    restoreSnapshot();
    const trainMs = performance.now() - tTrainStart;

    const tSer = performance.now();
    const blob = await serializeTfMembers(spec, members, {
      createdAt: new Date().toISOString(),
      backend: backend.detail,
      nTrain,
      nVal,
      epochsRun,
      bestEpoch,
      bestValLoss,
      warmStarted: hooks.warmStart !== undefined,
      ...(images === null ? {} : { randomShift: config.randomShift }),
    });
    const serializeMs = performance.now() - tSer;
    return {
      blob,
      spec,
      backend,
      lossCurve,
      epochsRun,
      bestEpoch,
      stoppedEarly: stopReason !== "epochs",
      stopReason,
      warmStarted: hooks.warmStart !== undefined,
      nTrain,
      nVal,
      finalLoss: lossCurve[lossCurve.length - 1]?.loss ?? NaN,
      bestValLoss,
      samplesPerSec: (nTrain * epochsRun) / (trainStepMs / 1000),
      timings: { setupMs, trainMs, serializeMs, totalMs: performance.now() - t0 },
    };
  } finally {
    tf.dispose(tensors);
    (snapshot as tf.Tensor[] | null)?.forEach((t) => t.dispose());
    optimizer?.dispose();
    disposeTfMembers(members);
  }
}

/** The dataset's image source when the config asks for images (checked against its cameras), else null. */
function checkImages(dataset: Dataset, vision: TTrainConfig["vision"]): ImageSource | null {
  if (vision === undefined) {
    if (dataset.images !== undefined) throw new Error("the dataset has images but the training config has no `vision` (cameras and encoder)");
    return null;
  }
  const images = dataset.images;
  if (images === undefined) throw new Error("the training config has `vision` but the dataset carries no images");
  const want = vision.cameras.map((c) => `${c.name} ${c.shape.join("×")}`).join(", ");
  const have = images.cameras.map((c) => `${c.name} ${c.shape.join("×")}`).join(", ");
  if (want !== have) throw new Error(`the dataset's cameras (${have}) differ from the policy's (${want})`);
  return images;
}
