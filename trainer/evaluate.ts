/**
 * Evaluation: mean return, success rate and normalised return
 * `(R − R_random) / (R_expert − R_random)` (0 = random, 1 = expert), with the references measured on
 * the same seeds as the policy (or taken from the env spec).
 *
 * Browser-safe.
 */
import { EVAL_FIRST_SEED } from "../contracts/policies";
import { createExpert, getEnvSpec } from "../envs/index";
import { IMAGE_POLICY_LOCKSTEP, randomActingPolicy, rollout, type ActingPolicy, type Trajectory } from "./rollout";

export { EVAL_FIRST_SEED };

export interface ReferenceReturns {
  readonly expert: number;
  readonly random: number;
  readonly source: "measured" | "spec";
  readonly expertSuccessRate?: number | null;
}

export interface EvaluationSummary {
  readonly envId: string;
  readonly episodes: number;
  readonly firstSeed: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  /** Fraction of successful episodes (see rollout.ts `episodeSuccess`); null where undefined. */
  readonly successRate: number | null;
  readonly normalizedReturn: number | null;
  readonly meanLength: number;
  readonly meanUncertainty: number;
  readonly references: ReferenceReturns | null;
}

export interface EvaluateOptions {
  readonly envId: string;
  readonly envOptions?: Record<string, unknown>;
  readonly episodes?: number;
  readonly firstSeed?: number;
  readonly deterministic?: boolean;
  /** Reference returns for normalisation (default: the env spec's). */
  readonly references?: ReferenceReturns | null;
}

export function normalizedReturn(ret: number, references: ReferenceReturns | null): number | null {
  if (references === null || references.expert === references.random) return null;
  return (ret - references.random) / (references.expert - references.random);
}

/** The env spec's reference returns (seeds 0..19), or null when it has no expert. */
export function specReferences(envId: string): ReferenceReturns | null {
  const { expert, random } = getEnvSpec(envId).referenceReturns;
  return expert === null ? null : { expert, random, source: "spec" };
}

/** Runs the scripted expert and a uniform-random policy on the evaluation seeds. */
export function measureReferences(options: Omit<EvaluateOptions, "references" | "deterministic">): ReferenceReturns {
  const episodes = options.episodes ?? 20;
  const firstSeed = options.firstSeed ?? EVAL_FIRST_SEED;
  const common = { envId: options.envId, episodes, firstSeed, recordStates: false, ...(options.envOptions ? { envOptions: options.envOptions } : {}) };
  const expertRuns = rollout({ ...common, expert: createExpert(options.envId), beta: 1 });
  const randomRuns = rollout({ ...common, policy: randomActingPolicy(getEnvSpec(options.envId).actionSpace, firstSeed) });
  return {
    expert: mean(expertRuns.map((t) => t.return)),
    random: mean(randomRuns.map((t) => t.return)),
    source: "measured",
    expertSuccessRate: successRate(expertRuns),
  };
}

export function evaluatePolicy(policy: ActingPolicy, options: EvaluateOptions): EvaluationSummary {
  const episodes = options.episodes ?? 20;
  const firstSeed = options.firstSeed ?? EVAL_FIRST_SEED;
  const trajectories = rollout({
    envId: options.envId,
    ...(options.envOptions ? { envOptions: options.envOptions } : {}),
    policy,
    episodes,
    firstSeed,
    deterministic: options.deterministic ?? true,
    recordStates: false,
    // Image policies: every episode side by side, one batched encoder pass per step (same returns).
    ...(policy.isVisual ? { lockstep: IMAGE_POLICY_LOCKSTEP } : {}),
  });
  const references = options.references === undefined ? specReferences(options.envId) : options.references;
  return summarizeTrajectories(options.envId, trajectories, references, firstSeed);
}

export function summarizeTrajectories(
  envId: string,
  trajectories: readonly Trajectory[],
  references: ReferenceReturns | null,
  firstSeed = trajectories[0]?.seed ?? 0,
): EvaluationSummary {
  const returns = trajectories.map((t) => t.return);
  const m = mean(returns);
  const steps = trajectories.flatMap((t) => t.steps);
  return {
    envId,
    episodes: trajectories.length,
    firstSeed,
    meanReturn: m,
    stdReturn: Math.sqrt(mean(returns.map((r) => (r - m) ** 2))),
    successRate: successRate(trajectories),
    normalizedReturn: normalizedReturn(m, references),
    meanLength: mean(trajectories.map((t) => t.length)),
    meanUncertainty: mean(steps.map((s) => s.uncertainty)),
    references,
  };
}

function successRate(trajectories: readonly Trajectory[]): number | null {
  const known = trajectories.filter((t) => t.success !== null);
  if (known.length === 0) return null;
  return known.filter((t) => t.success).length / known.length;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
