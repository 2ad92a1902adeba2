/** Project settings: environment, policy head, training and round settings, all with defaults. */
import { z } from "zod";
import { ZObservationSpace, ZSpace } from "./spaces";

export const SELECTIONS = ["all", "stride", "uniform", "uncertainty"] as const;
export const HEADS = ["categorical", "gaussian", "mog", "autoregressive", "cvae", "diffusion"] as const;
export type THeadName = (typeof HEADS)[number];

export const ZBetaSchedule = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), beta: z.number().min(0).max(1) }),
  z.object({ kind: z.literal("linear"), start: z.number().min(0).max(1), end: z.number().min(0).max(1), rounds: z.int().min(1).max(1000) }),
  z.object({ kind: z.literal("exponential"), p: z.number().min(0).max(1) }),
]);
export type TBetaSchedule = z.infer<typeof ZBetaSchedule>;

/** Heads REINFORCE can fine-tune: those whose loss is the exact −log π (trainer/rl/reinforce.ts). */
export const RL_HEADS = ["categorical", "gaussian", "mog"] as const;

/**
 * "Fine-tune with RL after round N" (built-in envs only): once a round with index ≥ `afterRound` has
 * published its imitation policy, REINFORCE starts from it in the env, and the result is stored as a new
 * policy version (parent: the imitation policy) with both policies' returns on the same seeded
 * evaluation episodes. The defaults are the from-a-DAgger-start settings of `npm run bench:rl`.
 */
export const ZRlFineTune = z
  .object({
    /** Fine-tune after every round whose index is ≥ this. */
    afterRound: z.int().min(0).max(10_000).default(1),
    /** Policy-gradient iterations (one Adam step each). */
    iterations: z.int().min(1).max(1000).default(20),
    /** On-policy episodes per iteration. */
    episodesPerIteration: z.int().min(1).max(200).default(10),
    /** Adam step size: small, so the imitation policy is refined rather than overwritten. */
    learningRate: z.number().positive().max(0.1).default(0.001),
    /** `mean`: time-indexed mean return-to-go; `value`: a learned V(s), fitted alone for the first iterations. */
    baseline: z.enum(["mean", "value"]).default("value"),
    /** Entropy bonus α (0 = none). */
    entropyCoef: z.number().min(0).max(1).default(0),
    gamma: z.number().min(0.5).max(1).default(0.99),
    /** Wall-time limit of the fine-tune; it stops with the last iteration's weights. */
    maxMinutes: z.number().positive().max(10).default(5),
    /**
     * `if-better`: the fine-tuned version is published (and the next round rolls it out) only when its mean
     * evaluation return beats the imitation policy's; `never`: it stays a candidate the lead may publish.
     */
    publish: z.enum(["if-better", "never"]).default("if-better"),
  })
  .strict();
export type TRlFineTune = z.infer<typeof ZRlFineTune>;

export const ZProjectSettings = z
  .object({
    /** States turned into labelling tasks per round. */
    statesPerRound: z.int().min(1).max(100_000).default(200),
    /** Labels required per state (k). */
    labelsPerState: z.int().min(1).max(20).default(1),
    selection: z.enum(SELECTIONS).default("uniform"),
    /** Keep every n-th state with `stride` selection. */
    stride: z.int().min(1).max(10_000).default(5),
    /** Share of tasks that are gold states with a known answer (0–0.5). */
    goldRate: z.number().min(0).max(0.5).default(0),
    betaSchedule: ZBetaSchedule.default({ kind: "constant", beta: 0 }),
    /** Policy head; `auto` picks categorical for discrete actions and gaussian for continuous ones. */
    head: z.enum([...HEADS, "auto"]).default("auto"),
    /** Rollout episodes of the current policy per round (built-in envs). */
    rolloutEpisodes: z.int().min(1).max(1000).default(10),
    /** Seeded evaluation episodes after training (built-in envs). */
    evalEpisodes: z.int().min(1).max(1000).default(10),
    epochs: z.int().min(1).max(1000).default(30),
    batchSize: z.int().min(8).max(65_536).default(256),
    hiddenUnits: z.array(z.int().min(4).max(4096)).min(1).max(4).default([64, 64]),
    learningRate: z.number().positive().max(1).default(0.003),
    /**
     * `cosine` anneals the rate per epoch from `learningRate` to 5 % of it at the last epoch: on large rounds
     * (tens of batches per epoch) the late epochs settle instead of oscillating, so fewer epochs reach the same
     * policy (bench/round.ts: 20 cosine epochs ≈ 30 constant at 10k samples). On small datasets it learns
     * less in the same epochs, hence `constant` by default.
     */
    learningRateSchedule: z.enum(["constant", "cosine"]).default("constant"),
    warmStart: z.boolean().default(false),
    /** Advance labeling → aggregating → training on its own when every task has its labels. */
    autoAdvance: z.boolean().default(true),
    /** Continuous labels: labels closer than this (in half-ranges of the action space) form one cluster. */
    clusterTolerance: z.number().positive().max(2).default(0.1),
    /** Ensemble members (disagreement = uncertainty); `uncertainty` selection needs ≥ 2. 0 = auto (5 with uncertainty selection, else 1). */
    ensembleSize: z.int().min(0).max(16).default(0),
    /** Discrete agreement share (or continuous cluster share) below which a state goes to review. */
    minAgreement: z.number().min(0).max(1).default(0.5),
    /**
     * External projects: evaluation runs in the client, on the robot or simulator. With `true` a trained round
     * waits in `evaluating` until a client posts evaluation episodes for its policy
     * (`POST …/policies/{version}/evaluations`); the policy is published only if its mean return beats the
     * published one's. With `false` (default) the policy is published at once and evaluations may follow.
     */
    clientEvaluation: z.boolean().default(false),
    /** REINFORCE fine-tuning after round N (built-in envs with rewards; categorical, gaussian or mog head; no ensemble), or null = off. */
    rlFineTune: ZRlFineTune.nullable().default(null),
  })
  .strict();
export type TProjectSettings = z.infer<typeof ZProjectSettings>;

export const ZExternalEnv = z
  .object({ observationSpace: ZObservationSpace, actionSpace: ZSpace })
  .strict()
  // Every policy has a state input (robomimic and LeRobot policies fuse images with proprioception); a robot
  // with none sends a constant one-element state.
  .refine((e) => e.observationSpace.type !== "dict" || e.observationSpace.spaces.state !== undefined, {
    path: ["observationSpace", "spaces", "state"],
    message: "an image observation needs a `state` vector (send a constant [0] if there is none)",
  });

export const ZCreateProject = z
  .object({
    name: z.string().trim().min(1, "Name is required").max(120),
    description: z.string().trim().max(2000).default(""),
    /** A built-in env id, or `null`/omitted with `external` spaces. */
    envId: z.string().min(1).max(100).nullable().optional(),
    external: ZExternalEnv.optional(),
    settings: ZProjectSettings.partial().default({}),
  })
  .strict()
  .refine((p) => Boolean(p.envId) !== Boolean(p.external), { message: "Give either envId (built-in) or external spaces", path: ["envId"] });
export type TCreateProject = z.infer<typeof ZCreateProject>;

export const ZAddMember = z
  .object({
    email: z.email().transform((s) => s.trim().toLowerCase()),
    role: z.enum(["lead", "labeler", "viewer"]),
  })
  .strict();
