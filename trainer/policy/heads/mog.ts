/**
 * Mixture of K diagonal Gaussians for multimodal box actions (pass an obstacle left *or* right).
 * Network output per state: [K mixture logits | K·d means | K·d raw log σ].
 * NLL = −logsumexp_k(log π_k + Σ_d log N(a_d; μ_kd, σ_kd)).
 * Deterministic action: the mean of the most probable component — a mode, never the average of modes.
 */
import type * as TF from "@tensorflow/tfjs";
import { gaussian } from "../../random";
import { squashLogStdTensor } from "./gaussian";
import {
  HALF_LOG_2PI,
  argmax,
  sampleIndex,
  softmaxInto,
  squashLogStd,
  type ActInputs,
  type HeadOutput,
  type LossInputs,
  type PolicyHead,
} from "./types";

export function mogHead(obsDim: number, d: number, k: number): PolicyHead {
  const width = k + 2 * k * d;
  // Spread the initial component means over the action range so they do not start collapsed.
  const outputBias = new Array<number>(width).fill(0);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const frac = d === 1 ? (c + 0.5) / k : ((c + 0.5) / k + 0.618034 * j) % 1;
      outputBias[k + c * d + j] = 1.2 * (frac - 0.5);
    }
  }
  return {
    config: { kind: "mog", components: k },
    actDim: d,
    targetDim: d,
    exactLogLikelihood: true,
    nets: [{ inputDim: obsDim, outputDim: width, outputBias }],
    extras: [],
    encodeTargets(actions: Float32Array, n: number): Float32Array {
      return actions.slice(0, n * d);
    },
    nll({ tf, obs, targets, forward }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => {
        const out = forward(0, obs);
        const b = out.shape[0];
        const logits = tf.slice(out, [0, 0], [b, k]);
        const mu = tf.reshape(tf.slice(out, [0, k], [b, k * d]), [b, k, d]);
        const logStd = squashLogStdTensor(tf, tf.reshape(tf.slice(out, [0, k + k * d], [b, k * d]), [b, k, d]));
        const a = tf.reshape(targets, [b, 1, d]);
        const z = tf.mul(tf.sub(a, mu), tf.exp(tf.neg(logStd)));
        const logN = tf.neg(tf.sum(tf.add(tf.add(tf.mul(tf.square(z), 0.5), logStd), HALF_LOG_2PI), 2)); // [b, k]
        return tf.neg(tf.logSumExp(tf.add(tf.logSoftmax(logits), logN), 1)) as TF.Tensor1D;
      });
    },
    act({ batch, obs, forward, deterministic, rng }: ActInputs): HeadOutput {
      const out = forward(0, obs, batch);
      const actions = new Float32Array(batch * d);
      const spread = new Float32Array(batch);
      const pi = new Float32Array(k);
      for (let i = 0; i < batch; i++) {
        const base = i * width;
        softmaxInto(out, base, k, pi, 0);
        const c = deterministic ? argmax(pi, 0, k) : sampleIndex(pi, 0, k, rng);
        let varSum = 0;
        for (let j = 0; j < d; j++) {
          const mu = out[base + k + c * d + j] as number;
          const sigma = Math.exp(squashLogStd(out[base + k + k * d + c * d + j] as number));
          actions[i * d + j] = deterministic ? mu : mu + sigma * gaussian(rng);
          // Mixture variance of dimension j: Σπ(σ² + μ²) − (Σπμ)².
          let m1 = 0;
          let m2 = 0;
          for (let q = 0; q < k; q++) {
            const p = pi[q] as number;
            const mq = out[base + k + q * d + j] as number;
            const sq = Math.exp(squashLogStd(out[base + k + k * d + q * d + j] as number));
            m1 += p * mq;
            m2 += p * (sq * sq + mq * mq);
          }
          varSum += Math.max(m2 - m1 * m1, 0);
        }
        spread[i] = Math.sqrt(varSum / d);
      }
      return { actions, spread };
    },
  };
}
