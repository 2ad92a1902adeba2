/**
 * Diffusion policy (DDPM, Ho et al. 2020; as a policy: Chi et al. 2023) over box actions in [-1, 1].
 *
 * Forward process over T = `steps` steps with a fixed schedule (`cosine`, Nichol & Dhariwal 2021, or a
 * `linear` β scaled to T): a_k = √ᾱ_k·a₀ + √(1 − ᾱ_k)·ε. One network per member predicts the noise:
 *   ε̂ = net([obs, a_k, emb(k)]),  emb(k) = [sin(2^j·π·k/T), cos(2^j·π·k/T)]_{j<4}  (8 features).
 * Loss per sample: ‖ε − ε̂‖² with k ~ U{1..T}, ε ~ N(0, I) (the "simple" DDPM objective; not a
 * likelihood).
 *
 * Acting: `sampleSteps` S strided timesteps T = t_S > … > t_1 > 0, from a_T ~ N(0, I), each step the
 * DDIM update (Song et al. 2021) with η = 0 (`sampler: "ddim"`) or η = 1 (`"ddpm"`, ancestral
 * sampling on the strided chain; with S = T exactly DDPM). The predicted a₀ is clipped to [-1, 1] every
 * step. Deterministic: DDIM from the fixed noise a_T = +Q (Q = 0.674 per dimension, see generative.ts),
 * so one state always gives one action, on one mode. `spread`: |a(+Q) − a(−Q)| / 2 averaged over
 * dimensions (two mirrored deterministic chains; large when the state is multimodal).
 *
 * Cost: S network evaluations per action (times 2–3 rows for the spread probes, in the same calls).
 */
import type * as TF from "@tensorflow/tfjs";
import { gaussian } from "../../random";
import { NOISE_QUANTILE, probeSpread, tileObservations } from "./generative";
import type { ActInputs, HeadOutput, LossInputs, PolicyHead } from "./types";

export const TIME_EMBED_DIM = 8;

export interface DiffusionOptions {
  readonly steps: number;
  readonly sampleSteps: number;
  readonly sampler: "ddim" | "ddpm";
  readonly schedule: "cosine" | "linear";
}

/** ᾱ_k for k = 0..T (ᾱ_0 = 1). */
export function alphaBars(steps: number, schedule: "cosine" | "linear"): Float64Array {
  const ab = new Float64Array(steps + 1);
  ab[0] = 1;
  if (schedule === "cosine") {
    const s = 0.008;
    const f = (k: number): number => Math.cos(((k / steps + s) / (1 + s)) * (Math.PI / 2)) ** 2;
    for (let k = 1; k <= steps; k++) {
      const beta = Math.min(1 - f(k) / f(k - 1), 0.999);
      ab[k] = (ab[k - 1] as number) * (1 - beta);
    }
  } else {
    // Ho et al.'s 1e-4 … 0.02 over 1000 steps, rescaled so that T steps destroy the signal as fully.
    const lo = Math.min(1e-4 * (1000 / steps), 0.5);
    const hi = Math.min(0.02 * (1000 / steps), 0.999);
    for (let k = 1; k <= steps; k++) {
      const beta = steps === 1 ? hi : lo + ((hi - lo) * (k - 1)) / (steps - 1);
      ab[k] = (ab[k - 1] as number) * (1 - beta);
    }
  }
  return ab;
}

export function timeEmbedding(k: number, steps: number, out: Float32Array, offset: number): void {
  const u = k / steps;
  for (let j = 0; j < TIME_EMBED_DIM / 2; j++) {
    const a = Math.PI * 2 ** j * u;
    out[offset + 2 * j] = Math.sin(a);
    out[offset + 2 * j + 1] = Math.cos(a);
  }
}

/** The S sampling timesteps, descending: round(T·s/S) for s = S..1 (distinct, ≥ 1). */
export function samplingTimesteps(steps: number, sampleSteps: number): number[] {
  const S = Math.min(sampleSteps, steps);
  const ts: number[] = [];
  for (let s = S; s >= 1; s--) {
    const t = Math.max(Math.round((steps * s) / S), 1);
    if (ts[ts.length - 1] !== t) ts.push(t);
  }
  return ts;
}

export function diffusionHead(obsDim: number, d: number, o: DiffusionOptions): PolicyHead {
  const T = o.steps;
  const ab = alphaBars(T, o.schedule);
  const eta = o.sampler === "ddpm" ? 1 : 0;
  const timesteps = samplingTimesteps(T, o.sampleSteps);
  // Row k−1 of the training table: [√ᾱ_k, √(1 − ᾱ_k), emb(k)].
  const tableW = 2 + TIME_EMBED_DIM;
  const table = new Float32Array(T * tableW);
  for (let k = 1; k <= T; k++) {
    table[(k - 1) * tableW] = Math.sqrt(ab[k] as number);
    table[(k - 1) * tableW + 1] = Math.sqrt(1 - (ab[k] as number));
    timeEmbedding(k, T, table, (k - 1) * tableW + 2);
  }
  return {
    config: { kind: "diffusion", steps: T, sampleSteps: o.sampleSteps, sampler: o.sampler, schedule: o.schedule },
    actDim: d,
    targetDim: d,
    exactLogLikelihood: false,
    nets: [{ inputDim: obsDim + d + TIME_EMBED_DIM, outputDim: d }],
    extras: [],
    encodeTargets(actions: Float32Array, n: number): Float32Array {
      const out = actions.slice(0, n * d);
      for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(out[i] as number, -1), 1);
      return out;
    },
    nll({ tf, obs, targets, forward, noiseSeed }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => {
        const b = obs.shape[0];
        const k = tf.randomUniform([b], 0, T, "int32", noiseSeed);
        // One-hot · table instead of a gather (no gradient flows here, but keep to kernels every backend has).
        const rows = tf.matMul(tf.cast(tf.oneHot(k as TF.Tensor1D, T), "float32"), tf.tensor2d(table, [T, tableW]));
        const sa = tf.slice(rows, [0, 0], [b, 1]);
        const s1 = tf.slice(rows, [0, 1], [b, 1]);
        const emb = tf.slice(rows, [0, 2], [b, TIME_EMBED_DIM]);
        const eps = tf.randomNormal([b, d], 0, 1, "float32", noiseSeed === undefined ? undefined : noiseSeed + 1);
        const noisy = tf.add(tf.mul(targets, sa), tf.mul(eps, s1));
        const pred = forward(0, tf.concat([obs, noisy, emb], 1) as TF.Tensor2D);
        return tf.sum(tf.square(tf.sub(pred, eps)), 1) as TF.Tensor1D;
      });
    },
    act({ batch, obs, forward, deterministic, rng }: ActInputs): HeadOutput {
      // Blocks of `batch` rows: 0 = chain from +Q, 1 = from −Q (deterministic DDIM: spread probes and,
      // for a deterministic action, block 0 is the action), 2 = the sampled chain.
      const reps = deterministic ? 2 : 3;
      const rowsN = reps * batch;
      const obsDim = obs.length / batch;
      const w = obsDim + d + TIME_EMBED_DIM;
      const input = tileObservations(obs, batch, reps, d + TIME_EMBED_DIM);
      const x = new Float64Array(rowsN * d);
      for (let i = 0; i < batch * d; i++) {
        x[i] = NOISE_QUANTILE;
        x[batch * d + i] = -NOISE_QUANTILE;
        if (!deterministic) x[2 * batch * d + i] = gaussian(rng);
      }
      for (let s = 0; s < timesteps.length; s++) {
        const t = timesteps[s] as number;
        const tPrev = timesteps[s + 1] ?? 0;
        const abT = ab[t] as number;
        const abP = ab[tPrev] as number;
        for (let r = 0; r < rowsN; r++) {
          for (let j = 0; j < d; j++) input[r * w + obsDim + j] = x[r * d + j] as number;
          timeEmbedding(t, T, input, r * w + obsDim + d);
        }
        const epsHat = forward(0, input, rowsN);
        const sqAbT = Math.sqrt(abT);
        const sq1T = Math.sqrt(1 - abT);
        const sigmaEta = tPrev === 0 ? 0 : eta * Math.sqrt((1 - abP) / (1 - abT)) * Math.sqrt(Math.max(1 - abT / abP, 0));
        for (let r = 0; r < rowsN; r++) {
          const stochastic = r >= 2 * batch && sigmaEta > 0;
          const sigma = stochastic ? sigmaEta : 0;
          for (let j = 0; j < d; j++) {
            const xt = x[r * d + j] as number;
            const x0 = Math.min(Math.max((xt - sq1T * (epsHat[r * d + j] as number)) / sqAbT, -1), 1);
            // ε consistent with the clipped a₀.
            const e = (xt - sqAbT * x0) / sq1T;
            const dir = Math.sqrt(Math.max(1 - abP - sigma * sigma, 0));
            x[r * d + j] = Math.sqrt(abP) * x0 + dir * e + (stochastic ? sigma * gaussian(rng) : 0);
          }
        }
      }
      const all = Float32Array.from(x, (v) => Math.min(Math.max(v, -1), 1));
      const main = deterministic ? 0 : 2;
      const actions = all.slice(main * batch * d, (main + 1) * batch * d);
      const spread = new Float32Array(batch);
      for (let i = 0; i < batch; i++) spread[i] = probeSpread(all, 0, 1, batch, d, i);
      return { actions, spread };
    },
  };
}
