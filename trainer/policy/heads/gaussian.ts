/**
 * Diagonal Gaussian head for box actions. `variance: "state"` predicts [μ, raw log σ] per state;
 * `"global"` predicts μ and learns one raw log σ per dimension (an extra parameter, not a layer).
 */
import type * as TF from "@tensorflow/tfjs";
import { gaussian } from "../../random";
import {
  HALF_LOG_2PI,
  LOG_STD_MAX,
  LOG_STD_MIN,
  squashLogStd,
  type ActInputs,
  type HeadOutput,
  type LossInputs,
  type PolicyHead,
} from "./types";

/** Squashed log σ as a tensor op (same formula as {@link squashLogStd}). */
export function squashLogStdTensor(tf: typeof TF, raw: TF.Tensor): TF.Tensor {
  return tf.add(tf.mul(tf.sigmoid(raw), LOG_STD_MAX - LOG_STD_MIN), LOG_STD_MIN);
}

export function gaussianHead(obsDim: number, d: number, variance: "state" | "global"): PolicyHead {
  const perState = variance === "state";
  return {
    config: { kind: "gaussian", variance },
    actDim: d,
    targetDim: d,
    exactLogLikelihood: true,
    nets: [{ inputDim: obsDim, outputDim: perState ? 2 * d : d }],
    extras: perState ? [] : [{ name: "logStd", size: d, init: 0 }],
    encodeTargets(actions: Float32Array, n: number): Float32Array {
      return actions.slice(0, n * d);
    },
    nll({ tf, obs, targets, forward, extras }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => {
        const out = forward(0, obs);
        const b = out.shape[0];
        const mu = perState ? tf.slice(out, [0, 0], [b, d]) : out;
        const logStd = perState
          ? squashLogStdTensor(tf, tf.slice(out, [0, d], [b, d]))
          : squashLogStdTensor(tf, extras.get("logStd") as TF.Tensor1D);
        const z = tf.mul(tf.sub(targets, mu), tf.exp(tf.neg(logStd)));
        const perDim = tf.add(tf.add(tf.mul(tf.square(z), 0.5), logStd), HALF_LOG_2PI);
        return tf.sum(perDim, 1) as TF.Tensor1D;
      });
    },
    act({ batch, obs, forward, extras, deterministic, rng }: ActInputs): HeadOutput {
      const out = forward(0, obs, batch);
      const w = perState ? 2 * d : d;
      const actions = new Float32Array(batch * d);
      const spread = new Float32Array(batch);
      const globalRaw = extras.get("logStd");
      for (let i = 0; i < batch; i++) {
        let sigmaSum = 0;
        for (let j = 0; j < d; j++) {
          const mu = out[i * w + j] as number;
          const raw = perState ? (out[i * w + d + j] as number) : ((globalRaw?.[j] ?? 0) as number);
          const sigma = Math.exp(squashLogStd(raw));
          sigmaSum += sigma;
          actions[i * d + j] = deterministic ? mu : mu + sigma * gaussian(rng);
        }
        spread[i] = sigmaSum / d;
      }
      return { actions, spread };
    },
  };
}
