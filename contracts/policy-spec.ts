/**
 * What a policy is, as validated plain data: the action space, the head, the network and the
 * normalisation constants. Stored in the header of every policy blob and sent in training requests
 * (contracts/trainer-protocol.ts). The helpers that compute with a spec (`actionDim`, `defaultHead`, …)
 * are in trainer/policy/spec.ts.
 *
 * Browser-safe (zod only).
 */
import { z } from "zod";
import { ZSpace, type Space } from "./spaces";

/** A policy's action space: the platform's one space type and validator (contracts/spaces.ts). */
export type TActionSpace = Space;

/**
 * The policy's output distribution, all trained by maximum likelihood on (observation, action):
 * - `categorical`: discrete actions, softmax over `n` logits;
 * - `gaussian`: box actions, diagonal Gaussian; `variance: "state"` predicts log σ per state,
 *   `"global"` learns one log σ per action dimension;
 * - `mog`: mixture of `components` diagonal Gaussians (multimodal experts: pass left *or* right);
 * - `autoregressive`: each action dimension binned into `bins` and predicted in turn, conditioned on
 *   the previous dimensions (one network per dimension); for 1-D actions a binned categorical.
 * - `cvae`: latent-variable policy (conditional VAE, trained by the ELBO): encoder q(z|o,a), Gaussian
 *   decoder p(a|o,z), prior N(0, I) (`prior: "standard"`) or a learned p(z|o) (`"learned"`); acting
 *   samples z from the prior; the deterministic action is the best of a few fixed latents by the
 *   model's ELBO (`deterministicLatent: "best"`), one fixed latent (`"quantile"`) or the prior mean
 *   (`"mean"`).
 * - `diffusion`: DDPM-style noise-prediction network ε(a_k, k, o) trained with the denoising objective
 *   over `steps` diffusion steps (`schedule` cosine or linear β); acting runs `sampleSteps` strided
 *   steps with the DDIM (η = 0) or DDPM (η = 1) update; the deterministic action is DDIM from a fixed
 *   noise vector.
 */
export const ZHeadConfig = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("categorical") }),
  z.object({ kind: z.literal("gaussian"), variance: z.enum(["state", "global"]).default("state") }),
  z.object({ kind: z.literal("mog"), components: z.number().int().min(1).max(32).default(5) }),
  z.object({ kind: z.literal("autoregressive"), bins: z.number().int().min(2).max(1024).default(41) }),
  z.object({
    kind: z.literal("cvae"),
    latentDim: z.number().int().min(1).max(32).default(2),
    prior: z.enum(["standard", "learned"]).default("standard"),
    /** Weight of the KL term in the ELBO (β-VAE; 1 = the plain ELBO). */
    beta: z.number().positive().max(100).default(1),
    deterministicLatent: z.enum(["best", "quantile", "mean"]).default("best"),
    /** KL below this many nats per latent dimension is free ("free bits"; 0 = the plain ELBO). */
    freeBits: z.number().min(0).max(10).default(0.25),
  }),
  z.object({
    kind: z.literal("diffusion"),
    /** Diffusion steps T of the forward process (training). */
    steps: z.number().int().min(2).max(1000).default(50),
    /** Denoising steps per action (strided over the T steps; capped at `steps`). */
    sampleSteps: z.number().int().min(1).max(1000).default(10),
    sampler: z.enum(["ddim", "ddpm"]).default("ddim"),
    schedule: z.enum(["cosine", "linear"]).default("cosine"),
  }),
]);
export type THeadConfig = z.output<typeof ZHeadConfig>;
export type THeadKind = THeadConfig["kind"];

/** The MLP trunk of every network of the policy. */
export const ZNetworkConfig = z.object({
  hidden: z.array(z.number().int().min(1).max(8192)).max(8).default([64, 64]),
  activation: z.enum(["relu", "tanh"]).default("relu"),
});
export type TNetworkConfig = z.output<typeof ZNetworkConfig>;

/**
 * Normalisation constants, computed from the training set (or inherited on warm start):
 * the network sees `clip((obs − obsMean) / obsStd, ±10)`; box actions live in `[-1, 1]` as
 * `(a − actCenter) / actScale` (bounds of the space where finite, else the data's range).
 */
export const ZNormalization = z.object({
  obsMean: z.array(z.number()),
  obsStd: z.array(z.number()),
  actCenter: z.array(z.number()),
  actScale: z.array(z.number()),
});
export type TNormalization = z.infer<typeof ZNormalization>;

/**
 * One camera of an image observation, as Gymnasium's `Box(0, 255, [H, W, C], uint8)`: pixels are
 * row-major `H × W × C` bytes under the observation key `name` (the state vector is under `state`).
 */
export const ZCamera = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "a camera name is a short identifier")
    .refine((n) => n !== "state", "the key `state` holds the state vector, not a camera"),
  shape: z.tuple([z.number().int().min(8).max(512), z.number().int().min(8).max(512), z.number().int().min(1).max(4)]).readonly(),
});
export type TCamera = z.infer<typeof ZCamera>;

/**
 * The convolutional encoder of each camera (robomimic / Diffusion Policy style, small): `channels.length`
 * 3×3 (`kernelSize`) convolutions with "same" padding and ReLU, the first `downsample` of them with
 * stride 2; then spatial-softmax keypoints (x, y per channel of the last layer; Levine et al. 2016) or
 * global average pooling; then a linear projection to `featureDim`. Each camera has its own encoder;
 * the features of every camera and the normalised state are concatenated and fed to the head's networks.
 */
export const ZConvEncoder = z.object({
  channels: z.array(z.number().int().min(1).max(256)).min(1).max(6).default([32, 32, 32]),
  kernelSize: z.number().int().min(1).max(7).default(3),
  downsample: z.number().int().min(0).max(6).default(2),
  pooling: z.enum(["spatial-softmax", "avg"]).default("spatial-softmax"),
  featureDim: z.number().int().min(1).max(1024).default(64),
});
export type TConvEncoder = z.output<typeof ZConvEncoder>;

/** Image inputs of a policy: its cameras and their encoder. Absent for state-only (MLP) policies. */
export const ZVision = z.object({
  cameras: z
    .array(ZCamera)
    .min(1)
    .max(8)
    .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, "camera names must be unique"),
  encoder: ZConvEncoder.prefault({}),
});
export type TVision = z.output<typeof ZVision>;
export type TVisionInput = z.input<typeof ZVision>;

export const ZPolicySpec = z.object({
  /**
   * Length of the state vector (for image policies: the `state` key of the observation; 0 for a
   * camera-only policy — a state-only policy needs at least one element).
   */
  obsDim: z.number().int().min(0),
  actionSpace: ZSpace,
  head: ZHeadConfig,
  network: ZNetworkConfig,
  /** Members of the ensemble (1 = a single network). Members are trained on bootstrap resamples. */
  ensembleSize: z.number().int().min(1).max(32),
  normalization: ZNormalization,
  envId: z.string().optional(),
  /** Image inputs; absent for MLP policies (whose specs are unchanged byte for byte). */
  vision: ZVision.optional(),
});
export type TPolicySpec = z.output<typeof ZPolicySpec>;
