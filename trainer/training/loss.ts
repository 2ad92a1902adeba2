/**
 * What one batch costs: the ensemble's loss on a batch, the batch's images (image policies), and the
 * held-out loss. Part of {@link trainPolicy} (../train.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { assembleImageBatch, gatherImages, type ImageSource } from "../images";
import { memberInputs } from "../policy/tf-members";
import { mulberry32, subSeed } from "../random";
import type { TrainingData } from "./data";
import type { TrainingModel } from "./model";

/**
 * Mean over members of each member's (bootstrap-weighted, `w`: `[b, members]`) mean NLL. `pixels[c]`:
 * camera c's `[b, H, W, C]` images of the batch (image policies).
 */
export type BatchLoss = (x: tf.Tensor2D, t: tf.Tensor2D, w: tf.Tensor2D | null, noiseSeed?: number, pixels?: readonly tf.Tensor4D[]) => tf.Scalar;

export function makeBatchLoss({ spec, head, members }: TrainingModel): BatchLoss {
  const M = spec.ensembleSize;
  return (x, t, w, noiseSeed, pixels = []) =>
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
}

/**
 * A batch's images: `load` gives one `[b, H, W, C]` int32 tensor per camera (`[]` for a policy without
 * images); `prefetch` starts reading another batch's images (the next one, while this one trains).
 */
export interface PixelLoader {
  load(samples: ArrayLike<number>, shift: number): Promise<tf.Tensor4D[]>;
  prefetch(samples: ArrayLike<number>): void;
}

/**
 * Reads dataset rows' images from `images` (a decode cache or memory), randomly shifted (DrQ) by up to
 * `shift` pixels on the host with one seeded stream (`subSeed(seed, 5)`) shared by every batch — the same
 * pixels and shifts whatever the cache holds, so the cache's size never changes a seeded run.
 */
export function makePixelLoader(images: ImageSource | null, seed: number): PixelLoader {
  const shiftRng = mulberry32(subSeed(seed, 5));
  return {
    async load(samples, shift) {
      if (images === null) return [];
      // Every camera's images asked for at once (misses decode concurrently), all read before any upload: a
      // failed read leaves no tensor behind.
      await images.prefetch?.(samples);
      const read = await Promise.all(images.cameras.map((_, c) => gatherImages(images, c, samples)));
      // Shifts drawn camera by camera, sample by sample, from one stream: the same whatever the cache held.
      const host = images.cameras.map((cam, c) => assembleImageBatch(cam, read[c] as Uint8Array[], shift, shiftRng));
      return images.cameras.map((cam, c) => tf.tensor4d(host[c] as Int32Array, [samples.length, ...cam.shape], "int32"));
    },
    prefetch(samples) {
      // A failure here is reported by the batch's own load.
      images?.prefetch?.(samples).catch(() => undefined);
    },
  };
}

/**
 * Mean loss over the held-out rows (null without any), in chunks, unshifted images. `noiseSeed`: heads
 * with a stochastic loss (cvae, diffusion) see the same noise at every validation pass.
 */
export async function validationLoss(
  data: TrainingData,
  batchLoss: BatchLoss,
  pixelBatch: PixelLoader,
  options: { readonly chunk: number; readonly noiseSeed: number },
): Promise<number | null> {
  const { xVal, tVal, nVal, nTrain, order, obsDim, targetDim } = data;
  if (xVal === null || tVal === null) return null;
  let sum: tf.Tensor = tf.scalar(0);
  const rows = (s: number) => order.subarray(nTrain + s, nTrain + Math.min(s + options.chunk, nVal));
  for (let s = 0; s < nVal; s += options.chunk) {
    const size = Math.min(options.chunk, nVal - s);
    const loading = pixelBatch.load(rows(s), 0);
    if (s + options.chunk < nVal) pixelBatch.prefetch(rows(s + options.chunk));
    let pixels: tf.Tensor4D[];
    try {
      pixels = await loading;
    } catch (err) {
      sum.dispose();
      throw err;
    }
    const next = tf.tidy(() => {
      const l = batchLoss(tf.slice(xVal, [s, 0], [size, obsDim]) as tf.Tensor2D, tf.slice(tVal, [s, 0], [size, targetDim]) as tf.Tensor2D, null, options.noiseSeed + s, pixels);
      return tf.add(sum, tf.mul(l, size));
    });
    tf.dispose(pixels);
    sum.dispose();
    sum = next;
  }
  const v = (await sum.data())[0] as number;
  sum.dispose();
  return v / nVal;
}
