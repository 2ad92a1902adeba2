/**
 * Autoregressive discretisation for box actions: dimension j is binned into B bins over [-1, 1] and
 * predicted by its own network from [observation, a₀ … a_{j−1}] (teacher forcing in training, the
 * decoded values at inference). For a 1-D action this is a binned categorical.
 *
 * Targets are "two-hot": a value between two bin centres splits its mass between them, so the expected
 * bin value recovers it exactly and neighbouring bins learn together. Deterministic decoding takes the
 * most probable bin and refines it with the probability-weighted mean of that bin and its two
 * neighbours — sub-bin precision, but never a mean across separated modes.
 */
import type * as TF from "@tensorflow/tfjs";
import { argmax, sampleIndex, softmaxInto, type ActInputs, type HeadOutput, type LossInputs, type PolicyHead } from "./types";

export function binCenters(bins: number): Float32Array {
  const c = new Float32Array(bins);
  for (let b = 0; b < bins; b++) c[b] = -1 + (2 * b) / (bins - 1);
  return c;
}

export function autoregressiveHead(obsDim: number, d: number, bins: number): PolicyHead {
  const centers = binCenters(bins);
  const width = 2 / (bins - 1);
  return {
    config: { kind: "autoregressive", bins },
    actDim: d,
    // [a (d, for conditioning) | two-hot of each dimension (d·B)]
    targetDim: d + d * bins,
    // A two-hot cross-entropy over bins: not the density of a sampled continuous action.
    exactLogLikelihood: false,
    nets: Array.from({ length: d }, (_, j) => ({ inputDim: obsDim + j, outputDim: bins })),
    extras: [],
    encodeTargets(actions: Float32Array, n: number): Float32Array {
      const w = d + d * bins;
      const out = new Float32Array(n * w);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) {
          const a = Math.min(Math.max(actions[i * d + j] as number, -1), 1);
          out[i * w + j] = a;
          const pos = ((a + 1) / 2) * (bins - 1);
          const lo = Math.min(Math.floor(pos), bins - 2);
          const frac = pos - lo;
          out[i * w + d + j * bins + lo] = 1 - frac;
          out[i * w + d + j * bins + lo + 1] = frac;
        }
      }
      return out;
    },
    nll({ tf, obs, targets, forward }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => {
        const b = obs.shape[0];
        let total: TF.Tensor | null = null;
        for (let j = 0; j < d; j++) {
          const input = j === 0 ? obs : tf.concat([obs, tf.slice(targets, [0, 0], [b, j])], 1);
          const twoHot = tf.slice(targets, [0, d + j * bins], [b, bins]);
          const ce = tf.neg(tf.sum(tf.mul(twoHot, tf.logSoftmax(forward(j, input as TF.Tensor2D))), 1));
          total = total === null ? ce : tf.add(total, ce);
        }
        return total as TF.Tensor1D;
      });
    },
    act({ batch, obs, forward, deterministic, rng }: ActInputs): HeadOutput {
      const actions = new Float32Array(batch * d);
      const spread = new Float32Array(batch);
      const probs = new Float32Array(bins);
      let input = obs;
      for (let j = 0; j < d; j++) {
        const logits = forward(j, input, batch);
        for (let i = 0; i < batch; i++) {
          softmaxInto(logits, i * bins, bins, probs, 0);
          let value: number;
          if (deterministic) {
            const m = argmax(probs, 0, bins);
            let s = 0;
            let ws = 0;
            for (let q = Math.max(m - 1, 0); q <= Math.min(m + 1, bins - 1); q++) {
              s += (probs[q] as number) * (centers[q] as number);
              ws += probs[q] as number;
            }
            value = s / ws;
          } else {
            const q = sampleIndex(probs, 0, bins, rng);
            value = Math.min(Math.max((centers[q] as number) + (rng() - 0.5) * width, -1), 1);
          }
          actions[i * d + j] = value;
          let m1 = 0;
          let m2 = 0;
          for (let q = 0; q < bins; q++) {
            m1 += (probs[q] as number) * (centers[q] as number);
            m2 += (probs[q] as number) * (centers[q] as number) ** 2;
          }
          spread[i] = (spread[i] as number) + Math.sqrt(Math.max(m2 - m1 * m1, 0)) / d;
        }
        if (j < d - 1) {
          // Next network's input: [obs, a₀ … a_j].
          const inDim = obs.length / batch + j;
          const next = new Float32Array(batch * (inDim + 1));
          for (let i = 0; i < batch; i++) {
            next.set(input.subarray(i * inDim, (i + 1) * inDim), i * (inDim + 1));
            next[i * (inDim + 1) + inDim] = actions[i * d + j] as number;
          }
          input = next;
        }
      }
      return { actions, spread };
    },
  };
}
