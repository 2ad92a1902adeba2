/**
 * One pass over the training rows, and what happens between epochs: pacing (yield + cancel) and early
 * stopping with the best epoch's weights. Part of {@link trainPolicy} (../train.ts).
 *
 * No host sync per batch: the epoch loss is accumulated on the device and read once per epoch.
 */
import * as tf from "@tensorflow/tfjs";
import { TrainingCancelledError } from "../errors";
import type { FastAdam } from "../optim/adam";
import { permutation, subSeed, type Rng } from "../random";
import type { TrainingData } from "./data";
import type { BatchLoss, PixelLoader } from "./loss";

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Yields to the event loop at least every `everyMs` so that a worker sees `cancel`. */
export class Pacer {
  private last = performance.now();

  constructor(
    private readonly everyMs: number,
    private readonly isCancelled: (() => boolean) | undefined,
  ) {}

  /** Between batches: yields if `everyMs` has passed; true when it did and training was cancelled. */
  async cancelledMidEpoch(): Promise<boolean> {
    if (performance.now() - this.last <= this.everyMs) return false;
    await this.yieldNow();
    return this.isCancelled?.() === true;
  }

  /** Without yielding: whether training was cancelled (e.g. while a batch's images were being read). */
  cancelledNow(): boolean {
    return this.isCancelled?.() === true;
  }

  /** After an epoch: always yields; true when training was cancelled. */
  async cancelledAfterEpoch(): Promise<boolean> {
    await this.yieldNow();
    return this.isCancelled?.() === true;
  }

  private async yieldNow(): Promise<void> {
    await yieldToEventLoop();
    this.last = performance.now();
  }
}

export interface EpochStep {
  readonly data: TrainingData;
  readonly optimizer: FastAdam;
  readonly vars: tf.Variable[];
  readonly batchLoss: BatchLoss;
  /** Null for a policy without images. */
  readonly pixelBatch: PixelLoader | null;
  readonly batchSize: number;
  /** DrQ shift of training images, in pixels. */
  readonly randomShift: number;
  readonly seed: number;
  readonly pacer: Pacer;
}

/**
 * Trains one epoch (1-based `epoch`) on a fresh shuffle from `epochRng` (one device gather, batches are
 * slices) and returns the mean training loss. Cancelled mid-epoch: throws {@link TrainingCancelledError}.
 */
export async function trainEpoch(step: EpochStep, epoch: number, epochRng: Rng): Promise<number> {
  const { data, optimizer, vars, batchLoss, pixelBatch, pacer } = step;
  const { nTrain, obsDim, targetDim, order } = data;
  const M = data.wTrain.shape[1];
  const bs = Math.min(step.batchSize, nTrain);
  const perm = permutation(nTrain, epochRng);
  const idx = tf.tensor1d(perm, "int32");
  const xs = tf.gather(data.xTrain, idx);
  const ts = tf.gather(data.tTrain, idx);
  const ws = tf.gather(data.wTrain, idx);
  idx.dispose();
  let lossSum: tf.Tensor = tf.scalar(0);
  /** The dataset rows of the batch starting at shuffled position `s`. */
  const rowsOf = (s: number): Int32Array => {
    const samples = new Int32Array(Math.min(bs, nTrain - s));
    for (let j = 0; j < samples.length; j++) samples[j] = order[perm[s + j] as number] as number;
    return samples;
  };
  let samples = pixelBatch === null ? null : rowsOf(0);
  for (let s = 0; s < nTrain; s += bs) {
    const size = Math.min(bs, nTrain - s);
    // Fresh, seeded noise for heads with a stochastic loss: a seeded run is reproducible.
    const noiseSeed = subSeed(step.seed, 4, epoch, s) % 1_000_000_007;
    let pixels: tf.Tensor4D[] = [];
    if (pixelBatch !== null && samples !== null) {
      // This batch's reads are asked for first, then the next batch's, which are decoded while this one trains.
      const loading = pixelBatch.load(samples, step.randomShift);
      const next = s + bs < nTrain ? rowsOf(s + bs) : null;
      if (next !== null) pixelBatch.prefetch(next);
      try {
        pixels = await loading;
      } catch (err) {
        tf.dispose([xs, ts, ws, lossSum]); // an unreadable image ends the run without leaking the epoch's tensors
        // A cancel closes the decoder pool, failing the reads in flight: that is the cancel, not an error.
        if (pacer.cancelledNow()) throw new TrainingCancelledError(epoch - 1);
        throw err;
      }
      samples = next;
      if (pacer.cancelledNow()) {
        // Cancelled while the batch was being read: stop before training on it.
        tf.dispose([xs, ts, ws, lossSum, ...pixels]);
        throw new TrainingCancelledError(epoch - 1);
      }
    }
    const cost = optimizer.minimize(
      () =>
        batchLoss(
          tf.slice(xs, [s, 0], [size, obsDim]) as tf.Tensor2D,
          tf.slice(ts, [s, 0], [size, targetDim]) as tf.Tensor2D,
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
    if (await pacer.cancelledMidEpoch()) {
      tf.dispose([xs, ts, ws, lossSum]);
      throw new TrainingCancelledError(epoch - 1);
    }
  }
  const loss = ((await lossSum.data())[0] as number) / nTrain;
  tf.dispose([xs, ts, ws, lossSum]);
  return loss;
}

/**
 * Early stopping on the held-out loss (the training loss without a held-out split): remembers the best
 * epoch and a copy of its weights, and counts epochs without an improvement of at least `minDelta`.
 */
export class EarlyStopping {
  bestValLoss: number | null = null;
  bestEpoch = 0;
  private best = Infinity;
  private badEpochs = 0;
  private snapshot: tf.Tensor[] | null = null;

  constructor(
    private readonly vars: tf.Variable[],
    private readonly minDelta: number,
    private readonly patience: number,
  ) {}

  /** Records an epoch's losses; an improvement snapshots the weights. */
  record(epoch: number, loss: number, valLoss: number | null): void {
    const monitored = valLoss ?? loss;
    if (monitored < this.best - this.minDelta) {
      this.best = monitored;
      this.bestValLoss = valLoss;
      this.bestEpoch = epoch;
      this.badEpochs = 0;
      this.snapshot?.forEach((t) => t.dispose());
      this.snapshot = this.vars.map((v) => tf.keep(tf.clone(v)));
    } else {
      this.badEpochs++;
    }
  }

  /** `patience` epochs in a row without an improvement. */
  get exhausted(): boolean {
    return this.badEpochs >= this.patience;
  }

  /** Puts the best epoch's weights back (no-op before any improvement). */
  restoreBest(): void {
    const snapshot = this.snapshot;
    if (snapshot === null) return;
    this.vars.forEach((v, i) => v.assign(snapshot[i] as tf.Tensor));
  }

  dispose(): void {
    this.snapshot?.forEach((t) => t.dispose());
    this.snapshot = null;
  }
}
