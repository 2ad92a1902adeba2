/**
 * The training data on the device: normalised once on the host, split (train / held-out) by one seeded
 * permutation, uploaded once, with each ensemble member's Poisson(1) online-bootstrap weight per
 * training sample (Oza & Russell — matches training each member on a bootstrap resample).
 * Part of {@link trainPolicy} (../train.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../dataset";
import { normalizeActions, normalizeObservations } from "../policy/normalize";
import type { TTrainConfig } from "../../contracts/trainer-protocol";
import { mulberry32, permutation, poisson1, subSeed } from "../random";
import type { TrainingModel } from "./model";

export interface TrainingData {
  /** `order[i]`: the dataset row of split row i (train rows first, then held-out rows) — for images. */
  readonly order: Int32Array;
  readonly nTrain: number;
  /** Held-out rows (0: no validation). */
  readonly nVal: number;
  readonly obsDim: number;
  readonly targetDim: number;
  /** `[nTrain, obsDim]`, `[nTrain, targetDim]`, `[nTrain, ensembleSize]` (bootstrap weights). */
  readonly xTrain: tf.Tensor2D;
  readonly tTrain: tf.Tensor2D;
  readonly wTrain: tf.Tensor2D;
  readonly xVal: tf.Tensor2D | null;
  readonly tVal: tf.Tensor2D | null;
  dispose(): void;
}

/** Normalises, encodes targets, splits and uploads `dataset`; consumes `subSeed(seed, 1)`'s stream. */
export function uploadTrainingData(dataset: Dataset, model: TrainingModel, config: TTrainConfig): TrainingData {
  const { spec, head } = model;
  const n = dataset.n;
  const obs = normalizeObservations(spec.normalization, dataset.observations, n);
  const acts = spec.actionSpace.type === "discrete" ? dataset.actions : normalizeActions(spec.normalization, dataset.actions, n);
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
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(t);
    return t;
  };
  try {
    const xTrain = keep(tf.tensor2d(rows(obs, obsDim, 0, nTrain), [nTrain, obsDim]));
    const tTrain = keep(tf.tensor2d(rows(targets, tDim, 0, nTrain), [nTrain, tDim]));
    const boot = new Float32Array(nTrain * M);
    for (let i = 0; i < boot.length; i++) boot[i] = M === 1 ? 1 : poisson1(rng);
    const wTrain = keep(tf.tensor2d(boot, [nTrain, M]));
    const xVal = nVal > 0 ? keep(tf.tensor2d(rows(obs, obsDim, nTrain, n), [nVal, obsDim])) : null;
    const tVal = nVal > 0 ? keep(tf.tensor2d(rows(targets, tDim, nTrain, n), [nVal, tDim])) : null;
    return { order, nTrain, nVal, obsDim, targetDim: tDim, xTrain, tTrain, wTrain, xVal, tVal, dispose: () => tf.dispose(tensors) };
  } catch (err) {
    tf.dispose(tensors);
    throw err;
  }
}
