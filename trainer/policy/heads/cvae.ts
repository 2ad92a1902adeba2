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
 * Acting: z from the prior, then a ~ p(a | o, z). Deterministic: the decoder mean at a fixed latent
 * z = μ_p + Q·σ_p (Q = 0.674, see generative.ts: a fixed latent decodes to one mode, the prior mean
 * may decode between modes) or, with `deterministicLatent: "mean"`, at z = μ_p.
 * `spread`: mean over dimensions of √(σ_a² + ((a(+Q) − a(−Q))/2)²) — decoder noise plus how far apart
 * two mirrored latents decode (large when the policy is multimodal at this state).
 */
import type * as TF from "@tensorflow/tfjs";
import { gaussian } from "../../random";
import { squashLogStdTensor } from "./gaussian";
import { NOISE_QUANTILE, tileObservations } from "./generative";
import { HALF_LOG_2PI, squashLogStd, type ActInputs, type HeadOutput, type LossInputs, type PolicyHead } from "./types";

export interface CvaeOptions {
  readonly latentDim: number;
  readonly prior: "standard" | "learned";
  readonly beta: number;
  readonly deterministicLatent: "quantile" | "mean";
  readonly freeBits: number;
}

export function cvaeHead(obsDim: number, d: number, o: CvaeOptions): PolicyHead {
  const L = o.latentDim;
  const learned = o.prior === "learned";
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
      // Blocks of `batch` rows: 0 = latent +Q, 1 = −Q (spread probes), 2 = the acting latent when it
      // is not block 0 (a sample, or the prior mean).
      const mainIsPlus = deterministic && o.deterministicLatent === "quantile";
      const reps = mainIsPlus ? 2 : 3;
      const main = mainIsPlus ? 0 : 2;
      const prior = learned ? forward(2, obs, batch) : null;
      const input = tileObservations(obs, batch, reps, L);
      const obsDim = obs.length / batch;
      const w = obsDim + L;
      for (let r = 0; r < reps; r++) {
        for (let i = 0; i < batch; i++) {
          for (let j = 0; j < L; j++) {
            const mu = prior === null ? 0 : (prior[i * 2 * L + j] as number);
            const sigma = prior === null ? 1 : Math.exp(squashLogStd(prior[i * 2 * L + L + j] as number));
            const e = r === 0 ? NOISE_QUANTILE : r === 1 ? -NOISE_QUANTILE : deterministic ? 0 : gaussian(rng);
            input[(r * batch + i) * w + obsDim + j] = mu + sigma * e;
          }
        }
      }
      const dec = forward(1, input, reps * batch);
      const actions = new Float32Array(batch * d);
      const spread = new Float32Array(batch);
      for (let i = 0; i < batch; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const row = (main * batch + i) * 2 * d;
          const mu = dec[row + j] as number;
          const sigma = Math.exp(squashLogStd(dec[row + d + j] as number));
          actions[i * d + j] = deterministic ? mu : mu + sigma * gaussian(rng);
          const plus = dec[i * 2 * d + j] as number;
          const minus = dec[(batch + i) * 2 * d + j] as number;
          const sigmaPlus = Math.exp(squashLogStd(dec[i * 2 * d + d + j] as number));
          s += Math.sqrt(sigmaPlus * sigmaPlus + ((plus - minus) / 2) ** 2);
        }
        spread[i] = s / d;
      }
      return { actions, spread };
    },
  };
}
