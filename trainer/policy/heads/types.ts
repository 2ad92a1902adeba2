/**
 * The contract between a policy head and the rest of the trainer.
 *
 * A head decides how many networks one ensemble member has (their input and output widths), how
 * training targets are encoded, the per-sample negative log-likelihood (tensors, for training) and how
 * network outputs become actions (plain arrays, for inference — no tfjs needed, see mlp.ts).
 * All box actions are in normalised `[-1, 1]` coordinates here (see normalize.ts).
 *
 * Browser-safe, and free of any runtime tfjs import (the loss receives the tfjs namespace).
 */
import type * as TF from "@tensorflow/tfjs";
import type { Rng } from "../../random";
import type { THeadConfig } from "../../../contracts/policy-spec";

export interface NetShape {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Initial bias of the output layer (default zeros), e.g. to spread mixture means apart. */
  readonly outputBias?: readonly number[];
}

/** A trainable parameter outside the networks (e.g. the global log σ), stored in the blob header. */
export interface ExtraParam {
  readonly name: string;
  readonly size: number;
  readonly init: number;
}

/** One batch, for the loss. */
export interface LossInputs {
  /**
   * The tfjs namespace. Passed in (rather than imported) so that the heads — and with them
   * `Policy` — have no runtime dependency on tfjs: browser inference bundles stay small.
   */
  readonly tf: typeof TF;
  /** `[b, obsDim]` normalised observations. */
  readonly obs: TF.Tensor2D;
  /** `[b, targetDim]` encoded targets (see {@link PolicyHead.encodeTargets}). */
  readonly targets: TF.Tensor2D;
  /** Runs network `net` of this member: `[b, inputDim] → [b, outputDim]`. */
  readonly forward: (net: number, input: TF.Tensor2D) => TF.Tensor2D;
  readonly extras: ReadonlyMap<string, TF.Tensor1D>;
  /**
   * For heads whose loss draws noise (cvae, diffusion): when set, that noise comes from this seed.
   * `trainPolicy` passes a fresh seed per training batch (derived from the run's seed: reproducible)
   * and the same seed at every validation pass (epochs compared on common random numbers).
   * Unset: tfjs' unseeded generator.
   */
  readonly noiseSeed?: number;
}

/** One batch, for inference. */
export interface ActInputs {
  readonly batch: number;
  /** `[batch × obsDim]` normalised observations. */
  readonly obs: Float32Array;
  /** Runs network `net` of this member on `[batch × inputDim]`, returns `[batch × outputDim]`. */
  readonly forward: (net: number, input: Float32Array, batch: number) => Float32Array;
  readonly extras: ReadonlyMap<string, Float32Array>;
  readonly deterministic: boolean;
  readonly rng: Rng;
}

export interface HeadOutput {
  /** Box: `[batch × actDim]` normalised actions; discrete: `[batch]` action indices. */
  readonly actions: Float32Array;
  /**
   * `[batch]` the head's own predictive spread (aleatoric): normalised entropy for categorical,
   * mean σ (normalised units) for Gaussians and mixtures, mean bin-distribution std for autoregressive.
   */
  readonly spread: Float32Array;
  /** Categorical only: `[batch × n]` probabilities (for ensemble disagreement). */
  readonly probs?: Float32Array;
}

export interface PolicyHead {
  readonly config: THeadConfig;
  /** Scalars per action (1 for discrete). */
  readonly actDim: number;
  /** Width of one encoded target row. */
  readonly targetDim: number;
  /** The networks of one ensemble member. */
  readonly nets: readonly NetShape[];
  readonly extras: readonly ExtraParam[];
  /** Encodes `n` actions (normalised box actions, or discrete indices) as `[n × targetDim]`. */
  encodeTargets(actions: Float32Array, n: number): Float32Array;
  /**
   * `[b]` the training loss of each target: the negative log-likelihood (nats) for categorical,
   * Gaussian, mixture and autoregressive heads; the negative ELBO (an upper bound on the NLL) for
   * `cvae`; the denoising loss ‖ε − ε̂‖² for `diffusion` (not a likelihood).
   */
  nll(inputs: LossInputs): TF.Tensor1D;
  /** Whether {@link nll} is the exact −log π(a|o) (needed by policy-gradient fine-tuning). */
  readonly exactLogLikelihood: boolean;
  act(inputs: ActInputs): HeadOutput;
}

/** Log σ is squashed into [LOG_STD_MIN, LOG_STD_MAX] with a sigmoid (stable training; σ never 0). */
export const LOG_STD_MIN = -5;
export const LOG_STD_MAX = 1;
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function squashLogStd(raw: number): number {
  return LOG_STD_MIN + (LOG_STD_MAX - LOG_STD_MIN) / (1 + Math.exp(-raw));
}

/** Softmax of `logits[offset .. offset+n)` into `out[outOffset ..]`. */
export function softmaxInto(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  out: Float32Array,
  outOffset: number,
): void {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k] as number);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp((logits[offset + k] as number) - max);
    out[outOffset + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) out[outOffset + k] = (out[outOffset + k] as number) / sum;
}

/** Index drawn from probabilities `p[offset .. offset+n)`. */
export function sampleIndex(p: ArrayLike<number>, offset: number, n: number, rng: Rng): number {
  let u = rng();
  for (let k = 0; k < n; k++) {
    u -= p[offset + k] as number;
    if (u < 0) return k;
  }
  return n - 1;
}

export function argmax(p: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestV = -Infinity;
  for (let k = 0; k < n; k++) {
    const v = p[offset + k] as number;
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}
