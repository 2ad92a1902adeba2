/**
 * Running policies in an env: random policies, single episodes, seeded averages, and the normalised
 * score the trainer reports. Pure TypeScript, no timers or I/O.
 */
import type { Env, EnvSpec, Expert } from "./env";
import { Prng } from "./prng";
import type { Action, Space } from "./spaces";

/** A policy sees the observation and, for scripted experts, the env's internal state. */
export type Policy = (observation: readonly number[], state: readonly number[]) => Action;

/** Uniform random actions from `space`, seeded (a box samples each dimension uniformly in its bounds). */
export function createRandomPolicy(space: Space, seed = 0): Policy {
  const rng = new Prng(seed);
  if (space.type === "discrete") return () => rng.int(space.n);
  return () => space.low.map((lo, i) => lo + ((space.high[i] as number) - lo) * rng.next());
}

/** A policy that asks `expert` for the action in the env's current internal state. */
export function expertPolicy(expert: Expert): Policy {
  return (_observation, state) => expert.act(state);
}

export interface EpisodeResult {
  readonly return: number;
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** The `info` of the last step (e.g. CarTrack's lap completion, Fork's success). */
  readonly lastInfo: Record<string, unknown> | undefined;
}

/** Runs one episode from `env.reset(seed)` to termination or truncation. */
export function runEpisode(env: Env, policy: Policy, seed: number): EpisodeResult {
  let observation: readonly number[] = env.reset(seed);
  let total = 0;
  for (;;) {
    const result = env.step(policy(observation, env.getState()));
    total += result.reward;
    observation = result.observation;
    if (result.terminated || result.truncated) {
      return {
        return: total,
        length: env.stepCount,
        terminated: result.terminated,
        truncated: result.truncated,
        lastInfo: result.info,
      };
    }
  }
}

/**
 * Runs `episodes` episodes with seeds `firstSeed, firstSeed+1, …` (an expert is `reset` with the same
 * seed before each) and returns every result.
 */
export function runEpisodes(
  env: Env,
  policy: Policy,
  episodes: number,
  options: { firstSeed?: number; expert?: Expert } = {},
): EpisodeResult[] {
  const first = options.firstSeed ?? 0;
  const results: EpisodeResult[] = [];
  for (let i = 0; i < episodes; i++) {
    options.expert?.reset(first + i);
    results.push(runEpisode(env, policy, first + i));
  }
  return results;
}

export function meanReturn(results: readonly EpisodeResult[]): number {
  return results.reduce((sum, r) => sum + r.return, 0) / Math.max(1, results.length);
}

/**
 * `(R − R_random) / (R_expert − R_random)` from the spec's reference returns: 0 = random, 1 = expert.
 * Returns `null` for an env without an expert reference.
 */
export function normalizedReturn(spec: EnvSpec, ret: number): number | null {
  const { random, expert } = spec.referenceReturns;
  if (expert === null || expert === random) return null;
  return (ret - random) / (expert - random);
}
