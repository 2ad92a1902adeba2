/**
 * Latent-variable policy: a conditional VAE over box actions (Kingma & Welling 2014; Sohn et al. 2015).
 *
 * Networks of one member:
 *   0. encoder  q(z | o, a):  [obs, a] → [μ_q (L) | raw log σ_q (L)]
 *   1. decoder  p(a | o, z):  [obs, z] → [μ_a (d) | raw log σ_a (d)]   (diagonal Gaussian)
 *   2. prior    p(z | o):     obs → [μ_p (L) | raw log σ_p (L)]          (only with `prior: "learned"`)
 *
 * Loss per sample: the negative ELBO, −log p(a | o, z) + β·KL(q(z|o,a) ‖ p(z|o)) with one
 * reparameterised draw z = μ_q + σ_q·ε (an upper bound on −log p(a|o) when β = 1).
 *
 * Acting: z from the prior, then a ~ p(a | o, z). Deterministic (`deterministicLatent`):
 *   - `best` (default): decode a fixed set of candidate latents (the ±Q sign patterns, Q = 0.674, for
 *     L ≤ 3; else 8 fixed draws), score each decoded mean by its ELBO under the model (encoder, then
 *     decoder at μ_q) and act with the best — a mode of p(a|o), never the gap between two modes;
 *   - `quantile`: the decoder mean at the one fixed latent z = μ_p + Q·σ_p (cheapest; can fall
 *     between modes where the latent boundary passes near it);
 *   - `mean`: the decoder mean at z = μ_p (the textbook choice; between modes for a bimodal expert).
 * `spread`: mean over dimensions of √(σ_a² + ((a(+Q) − a(−Q))/2)²) — decoder noise plus how far apart
 * two mirrored latents decode (large when the policy is multimodal at this state).
 */
import type * as TF from "@tensorflow/tfjs";
import { gaussian, mulberry32 } from "../../random";
import { squashLogStdTensor } from "./gaussian";
import { NOISE_QUANTILE, tileObservations } from "./generative";
import { HALF_LOG_2PI, squashLogStd, type ActInputs, type HeadOutput, type LossInputs, type PolicyHead } from "./types";

export interface CvaeOptions {
  readonly latentDim: number;
  readonly prior: "standard" | "learned";
  readonly beta: number;
  readonly deterministicLatent: "best" | "quantile" | "mean";
  readonly freeBits: number;
}

export function cvaeHead(obsDim: number, d: number, o: CvaeOptions): PolicyHead {
  const L = o.latentDim;
  const learned = o.prior === "learned";
  // Candidate latents (in prior-σ units) for `deterministicLatent: "best"`: every ±Q sign pattern for
  // L ≤ 3, else 8 fixed draws.
  const candidates: Float64Array[] = [];
  if (L <= 3) {
    for (let m = 0; m < 2 ** L; m++) candidates.push(Float64Array.from({ length: L }, (_, j) => ((m >> j) & 1 ? -1 : 1) * NOISE_QUANTILE));
  } else {
    const g = mulberry32(17);
    for (let c = 0; c < 8; c++) candidates.push(Float64Array.from({ length: L }, () => gaussian(g)));
  }
  const nets = [
    { inputDim: obsDim + d, outputDim: 2 * L },
    { inputDim: obsDim + L, outputDim: 2 * d },
    ...(learned ? [{ inputDim: obsDim, outputDim: 2 * L }] : []),
  ];
  return {
    config: { kind: "cvae", latentDim: L, prior: o.prior, beta: o.beta, deterministicLatent: o.deterministicLatent, freeBits: o.freeBits },
    actDim: d,
    targetDim: d,
    exactLogLikelihood: false,
    nets,
    extras: [],
    encodeTargets(actions: Float32Array, n: number): Float32Array {
      return actions.slice(0, n * d);
    },
    nll({ tf, obs, targets, forward, noiseSeed }: LossInputs): TF.Tensor1D {
      return tf.tidy(() => {
        // "Free bits" (Kingma et al. 2016): KL below λ nats per latent dimension costs nothing, so the
        // encoder starts using the latent before the KL term can collapse it onto the prior.
        const freeBits = (perDim: TF.Tensor): TF.Tensor => tf.sum(o.freeBits > 0 ? tf.maximum(perDim, o.freeBits) : perDim, 1);
        const b = obs.shape[0];
        const enc = forward(0, tf.concat([obs, targets], 1) as TF.Tensor2D);
        const muQ = tf.slice(enc, [0, 0], [b, L]);
        const logSq = squashLogStdTensor(tf, tf.slice(enc, [0, L], [b, L]));
        const eps = tf.randomNormal([b, L], 0, 1, "float32", noiseSeed);
        const z = tf.add(muQ, tf.mul(tf.exp(logSq), eps));
        const dec = forward(1, tf.concat([obs, z], 1) as TF.Tensor2D);
        const muA = tf.slice(dec, [0, 0], [b, d]);
        const logSa = squashLogStdTensor(tf, tf.slice(dec, [0, d], [b, d]));
        const za = tf.mul(tf.sub(targets, muA), tf.exp(tf.neg(logSa)));
        const recon = tf.sum(tf.add(tf.add(tf.mul(tf.square(za), 0.5), logSa), HALF_LOG_2PI), 1);
        let kl: TF.Tensor;
        if (learned) {
          const pr = forward(2, obs);
          const muP = tf.slice(pr, [0, 0], [b, L]);
          const logSp = squashLogStdTensor(tf, tf.slice(pr, [0, L], [b, L]));
          // KL(N(μq, σq²) ‖ N(μp, σp²)) = log σp − log σq + (σq² + (μq − μp)²) / (2σp²) − ½
          const num = tf.add(tf.exp(tf.mul(logSq, 2)), tf.square(tf.sub(muQ, muP)));
          const perDim = tf.sub(tf.add(tf.sub(logSp, logSq), tf.mul(num, tf.mul(tf.exp(tf.mul(logSp, -2)), 0.5))), 0.5);
          kl = freeBits(perDim);
        } else {
          // KL(N(μq, σq²) ‖ N(0, 1)) = ½(μq² + σq² − 1) − log σq
          const perDim = tf.sub(tf.mul(tf.sub(tf.add(tf.square(muQ), tf.exp(tf.mul(logSq, 2))), 1), 0.5), logSq);
          kl = freeBits(perDim);
        }
        return tf.add(recon, tf.mul(kl, o.beta)) as TF.Tensor1D;
      });
    },
    act({ batch, obs, forward, deterministic, rng }: ActInputs): HeadOutput {
      // Decoder rows, in blocks of `batch`: 0 = latent +Q, 1 = −Q (spread probes), then either one
      // block with the acting latent (a sample, or the prior mean) or, for `best`, one block per
      // candidate latent.
      const mode = deterministic ? o.deterministicLatent : "sample";
      const extra = mode === "quantile" ? 0 : mode === "best" ? candidates.length : 1;
      const reps = 2 + extra;
      const prior = learned ? forward(2, obs, batch) : null;
      const priorMu = (i: number, j: number): number => (prior === null ? 0 : (prior[i * 2 * L + j] as number));
      const priorSigma = (i: number, j: number): number => (prior === null ? 1 : Math.exp(squashLogStd(prior[i * 2 * L + L + j] as number)));
      const input = tileObservations(obs, batch, reps, L);
      const obsDim = obs.length / batch;
      const w = obsDim + L;
      for (let r = 0; r < reps; r++) {
        for (let i = 0; i < batch; i++) {
          for (let j = 0; j < L; j++) {
            const e =
              r === 0 ? NOISE_QUANTILE : r === 1 ? -NOISE_QUANTILE : mode === "best" ? ((candidates[r - 2] as Float64Array)[j] as number) : mode === "mean" ? 0 : gaussian(rng);
            input[(r * batch + i) * w + obsDim + j] = priorMu(i, j) + priorSigma(i, j) * e;
          }
        }
      }
      const dec = forward(1, input, reps * batch);
      const mean = (block: number, i: number, j: number): number => dec[(block * batch + i) * 2 * d + j] as number;
      const logSigma = (block: number, i: number, j: number): number => squashLogStd(dec[(block * batch + i) * 2 * d + d + j] as number);
      // Which block acts for each state.
      const chosen = new Int32Array(batch).fill(mode === "quantile" ? 0 : 2);
      if (mode === "best") {
        // Score each candidate's decoded mean a_c by the ELBO at z = μ_q(o, a_c):
        // log p(a_c | o, μ_q) − KL(q(z | o, a_c) ‖ p(z | o)). An action between two modes has a poor
        // reconstruction under every latent, so the best-scoring candidate is on a mode.
        const K = candidates.length;
        const encIn = tileObservations(obs, batch, K, d);
        const ew = obsDim + d;
        for (let c = 0; c < K; c++) for (let i = 0; i < batch; i++) for (let j = 0; j < d; j++) encIn[(c * batch + i) * ew + obsDim + j] = mean(2 + c, i, j);
        const enc = forward(0, encIn, K * batch);
        const decIn = tileObservations(obs, batch, K, L);
        for (let r = 0; r < K * batch; r++) for (let j = 0; j < L; j++) decIn[r * w + obsDim + j] = enc[r * 2 * L + j] as number;
        const dec2 = forward(1, decIn, K * batch);
        const best = new Float64Array(batch).fill(-Infinity);
        for (let c = 0; c < K; c++) {
          for (let i = 0; i < batch; i++) {
            const r = c * batch + i;
            let score = 0;
            for (let j = 0; j < d; j++) {
              const ls = squashLogStd(dec2[r * 2 * d + d + j] as number);
              const z = (mean(2 + c, i, j) - (dec2[r * 2 * d + j] as number)) / Math.exp(ls);
              score -= 0.5 * z * z + ls;
            }
            for (let j = 0; j < L; j++) {
              const mq = enc[r * 2 * L + j] as number;
              const lq = squashLogStd(enc[r * 2 * L + L + j] as number);
              const mp = priorMu(i, j);
              const sp = priorSigma(i, j);
              score -= Math.log(sp) - lq + (Math.exp(2 * lq) + (mq - mp) ** 2) / (2 * sp * sp) - 0.5;
            }
            if (score > (best[i] as number)) {
              best[i] = score;
              chosen[i] = 2 + c;
            }
          }
        }
      }
      const actions = new Float32Array(batch * d);
      const spread = new Float32Array(batch);
      for (let i = 0; i < batch; i++) {
        let s = 0;
        const b = chosen[i] as number;
        for (let j = 0; j < d; j++) {
          const mu = mean(b, i, j);
          actions[i * d + j] = deterministic ? mu : mu + Math.exp(logSigma(b, i, j)) * gaussian(rng);
          const sigmaPlus = Math.exp(logSigma(0, i, j));
          s += Math.sqrt(sigmaPlus * sigmaPlus + ((mean(0, i, j) - mean(1, i, j)) / 2) ** 2);
        }
        spread[i] = s / d;
      }
      return { actions, spread };
    },
  };
}
