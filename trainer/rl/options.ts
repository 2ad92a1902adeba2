/**
 * REINFORCE options and progress events as zod schemas (zod only: browser-safe, shared by the
 * in-process API `reinforce()` and the worker protocol).
 */
import { z } from "zod";

export const ZReinforceOptions = z.object({
  iterations: z.number().int().min(1).max(100_000).default(50),
  episodesPerIteration: z.number().int().min(1).max(10_000).default(10),
  gamma: z.number().min(0).max(1).default(0.99),
  learningRate: z.number().positive().max(1).default(3e-3),
  baseline: z.enum(["none", "mean", "value"]).default("mean"),
  /** α: weight of the entropy bonus (0 = none). */
  entropyCoef: z.number().min(0).max(10).default(0),
  /** Standardise the advantages of each batch (mean 0, std 1). */
  normalizeAdvantages: z.boolean().default(true),
  /** Full-batch Adam steps of the value network per iteration (`baseline: "value"`). */
  valueSteps: z.number().int().min(1).max(1000).default(25),
  /**
   * `baseline: "value"`: iterations whose batches only fit the value network, with the policy left
   * alone (a fresh value net gives advantages that are mostly noise; from a good start that noise
   * costs more than it gains). Their episodes count, their events have `loss: 0`.
   */
  valueWarmupIterations: z.number().int().min(0).max(1000).default(0),
  /** Deterministic evaluation episodes before and after fine-tuning (0 = skip). */
  evalEpisodes: z.number().int().min(0).max(1000).default(10),
  /** Training episodes use env seeds firstSeed, firstSeed + 1, … (disjoint from evaluation's 100000+). */
  firstSeed: z.number().int().default(300_000),
  seed: z.number().int().default(0),
  /** Stop after this much wall time (the last completed iteration's weights are kept). */
  maxTrainMs: z.number().positive().optional(),
  envOptions: z.record(z.string(), z.unknown()).optional(),
});
export type TReinforceOptions = z.output<typeof ZReinforceOptions>;
export type TReinforceOptionsInput = z.input<typeof ZReinforceOptions>;

/** One iteration's event (the RL analogue of the training `progress` event). */
export const ZReinforceProgress = z.object({
  iteration: z.number().int().min(1),
  iterations: z.number().int().min(1),
  /** Undiscounted return of this iteration's (stochastic) training episodes. */
  meanReturn: z.number(),
  minReturn: z.number(),
  maxReturn: z.number(),
  meanLength: z.number(),
  steps: z.number().int(),
  /** The surrogate loss L(θ) before the step (0 in value warm-up iterations). */
  loss: z.number(),
  /** Mean −log π(a_t|s_t) of the taken actions (a sample estimate of the policy's entropy). */
  meanNll: z.number(),
  /** Value network MSE on this batch (normalised returns), `baseline: "value"` only. */
  valueLoss: z.number().nullable(),
  elapsedMs: z.number(),
  /** `tf.memory().numTensors` after the iteration: constant from iteration 2 on (leak check). */
  numTensors: z.number().int(),
});
export type ReinforceProgress = z.infer<typeof ZReinforceProgress>;
