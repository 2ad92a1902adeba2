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
 *   `dataset.images` (a bounded decode cache in front of the blob store, or memory) while the next batch's
 *   are prefetched, randomly shifted (DrQ) on the host, uploaded as integers and scaled to [0, 1] in the
 *   graph (vision-tf.ts).
 *
 * The parts live in training/: model.ts (fresh or warm-started policy, image checks), data.ts (normalise,
 * split, upload, bootstrap weights), loss.ts (batch loss, image batches, held-out loss), epoch.ts (one
 * epoch, pacing + cancel, early stopping); this file composes them.
 *
 * Node only (it selects the backend); the policy it produces loads anywhere (policy/).
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend, type BackendInfo } from "./backend";
import type { Dataset } from "./dataset";
import { TrainingCancelledError } from "./errors";
import type { CachedImageSource } from "./images";
import { FastAdam } from "./optim/adam";
import { disposeTfMembers, serializeTfMembers, trainableVariables } from "./policy/tf-members";
import { ZTrainConfig, type TTrainConfigInput, type TTrainProgress, type TTrainResult } from "../contracts/trainer-protocol";
import { mulberry32, subSeed } from "./random";
import { uploadTrainingData, type TrainingData } from "./training/data";
import { EarlyStopping, Pacer, trainEpoch, type EpochStep } from "./training/epoch";
import { makeBatchLoss, makePixelLoader, validationLoss } from "./training/loss";
import { checkDataset, checkImages, prepareModel } from "./training/model";

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

export async function trainPolicy(
  dataset: Dataset,
  configInput: TTrainConfigInput,
  hooks: TrainHooks = {},
): Promise<TTrainResult> {
  const t0 = performance.now();
  const config = ZTrainConfig.parse(configInput);
  const backend = hooks.backend ?? (await selectBackend({ expectedBatchSize: config.batchSize }));
  checkDataset(dataset, config);
  const images = checkImages(dataset, config.vision);
  if (dataset.obsDim === 0 && images === null) throw new Error("a state-only policy needs observations with at least one element");
  const model = await prepareModel(dataset, config, hooks.warmStart);

  let data: TrainingData | null = null;
  let optimizer: FastAdam | null = null;
  let stopping: EarlyStopping | null = null;
  try {
    data = uploadTrainingData(dataset, model, config);
    const { nTrain, nVal } = data;
    optimizer = new FastAdam({ learningRate: config.learningRate });
    const vars = trainableVariables(model.members);
    const batchLoss = makeBatchLoss(model);
    const pixelBatch = makePixelLoader(images, config.seed);
    const validation = {
      // Image batches are memory-bound on the host side and in conv activations: smaller chunks.
      chunk: images === null ? 4096 : Math.max(config.batchSize, 64),
      noiseSeed: subSeed(config.seed, 3) % 1_000_000,
    };
    const pacer = new Pacer(hooks.yieldEveryMs ?? 50, hooks.isCancelled);
    const step: EpochStep = { data, optimizer, vars, batchLoss, pixelBatch: images === null ? null : pixelBatch, batchSize: config.batchSize, randomShift: config.randomShift, seed: config.seed, pacer };
    stopping = new EarlyStopping(vars, config.minDelta, config.patience);

    const setupMs = performance.now() - t0;
    const tTrainStart = performance.now();
    let trainStepMs = 0;
    const lossCurve: TTrainResult["lossCurve"] = [];
    let stopReason: TTrainResult["stopReason"] = "epochs";
    let epochsRun = 0;
    const epochRng = mulberry32(subSeed(config.seed, 2));
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const tEpoch = performance.now();
      if (config.learningRateSchedule === "cosine") optimizer.setLearningRate(cosineLearningRate(config.learningRate, epoch, config.epochs));
      const loss = await trainEpoch(step, epoch, epochRng);
      trainStepMs += performance.now() - tEpoch;
      const valLoss = await validationLoss(data, batchLoss, pixelBatch, validation);
      epochsRun = epoch;
      lossCurve.push({ epoch, loss, valLoss });
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch}`);
      stopping.record(epoch, loss, valLoss);
      hooks.onProgress?.({
        epoch,
        epochs: config.epochs,
        loss,
        valLoss,
        bestValLoss: stopping.bestValLoss,
        samplesPerSec: (nTrain * epoch) / (trainStepMs / 1000),
        elapsedMs: performance.now() - t0,
        numTensors: tf.memory().numTensors,
      });
      if (await pacer.cancelledAfterEpoch()) throw new TrainingCancelledError(epochsRun);
      if (stopping.exhausted) {
        stopReason = "early-stopping";
        break;
      }
      if (config.maxTrainMs !== undefined && performance.now() - tTrainStart >= config.maxTrainMs) {
        stopReason = epoch < config.epochs ? "time-budget" : "epochs";
        break;
      }
    }
    stopping.restoreBest();
    const trainMs = performance.now() - tTrainStart;

    const { bestEpoch, bestValLoss } = stopping;
    const tSer = performance.now();
    const blob = await serializeTfMembers(model.spec, model.members, {
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
      spec: model.spec,
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
      ...(images !== null && "stats" in images && typeof images.stats === "function" ? { imageCache: (images as CachedImageSource).stats() } : {}),
    };
  } finally {
    data?.dispose();
    stopping?.dispose();
    optimizer?.dispose();
    disposeTfMembers(model.members);
  }
}
