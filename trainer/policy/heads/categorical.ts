/**
 * Categorical head for discrete actions: softmax over `n` logits; NLL = −log p(a) computed with a
 * one-hot mask (tf.gather's gradient fails on the wasm backend).
 */
import type * as TF from "@tensorflow/tfjs";
import { argmax, sampleIndex, softmaxInto, type ActInputs, type HeadOutput, type LossInputs, type PolicyHead } from "./types";

export function categoricalHead(obsDim: number, n: number): PolicyHead {
  const logN = Math.log(Math.max(n, 2));
  return {
    config: { kind: "categorical" },
    actDim: 1,
    targetDim: n,
    exactLogLikelihood: true,
    nets: [{ inputDim: obsDim, outputDim: n }],
    extras: [],
    encodeTargets(actions: Float32Array, count: number): Float32Array {
      const out = new Float32Array(count * n);
      for (let i = 0; i < count; i++) {
        const a = Math.round(actions[i] as number);
        if (!(a >= 0 && a < n)) throw new Error(`categorical head: action ${actions[i]} outside 0..${n - 1}`);
        out[i * n + a] = 1;
      }
      return out;
    },
    nll({ tf, obs, targets, forward }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(forward(0, obs))), 1)) as TF.Tensor1D);
    },
    act({ batch, obs, forward, deterministic, rng }: ActInputs): HeadOutput {
      const logits = forward(0, obs, batch);
      const probs = new Float32Array(batch * n);
      const actions = new Float32Array(batch);
      const spread = new Float32Array(batch);
      for (let i = 0; i < batch; i++) {
        softmaxInto(logits, i * n, n, probs, i * n);
        actions[i] = deterministic ? argmax(probs, i * n, n) : sampleIndex(probs, i * n, n, rng);
        let h = 0;
        for (let k = 0; k < n; k++) {
          const p = probs[i * n + k] as number;
          if (p > 0) h -= p * Math.log(p);
        }
        spread[i] = h / logN;
      }
      return { actions, spread, probs };
    },
  };
}
