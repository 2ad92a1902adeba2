/**
 * Rollouts: run a policy (optionally β-mixed with an expert) in an environment for N seeded episodes
 * and record, per step, what DAgger needs — the observation, the env's internal state (to replay,
 * render and label it), the policy's action and uncertainty, and what was executed.
 *
 * β-mixing follows Ross et al. (2011): at every step the expert's action is executed with
 * probability β, the learner's otherwise (π_i = β·π* + (1−β)·π̂_i); both are recorded.
 *
 * Browser-safe (envs and policy inference only).
 */
import { createEnv, type Action, type Env, type Expert, type Space } from "../envs/index";
import type { ObservationInput, PolicyBatch } from "./policy/policy";
import { mulberry32, subSeed, type Rng } from "./random";

/** Anything that can act on a batch of observations: a loaded {@link Policy}, or an adapter. */
export interface ActingPolicy {
  /**
   * Whether it sees images: then it is given Dict observations `{ state, <camera>: pixels }` built from
   * the env's `observeImages()` (a loaded image {@link Policy} says so), else the state vectors.
   */
  readonly isVisual?: boolean;
  actBatch(observations: ReadonlyArray<ObservationInput>, options?: { deterministic?: boolean; rng?: Rng }): PolicyBatch;
}

export interface RolloutStep {
  /** Step index within the episode (0 = the state after reset). */
  readonly t: number;
  readonly observation: number[];
  /** `env.getState()` before the action (layout `spec.stateFields`); absent with `recordStates: false`. */
  readonly state?: number[];
  /** What the learner proposed (absent when no learner policy was given). */
  readonly policyAction?: Action;
  /** What the expert proposed (only queried when it could be executed, i.e. β > 0, or `queryExpert`). */
  readonly expertAction?: Action;
  /** The action actually executed. */
  readonly action: Action;
  readonly actor: "policy" | "expert";
  readonly uncertainty: number;
  readonly spread: number;
  readonly reward: number;
}

export interface Trajectory {
  readonly episode: number;
  readonly seed: number;
  readonly steps: RolloutStep[];
  readonly return: number;
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** Whether the episode counts as a success for this env (see {@link episodeSuccess}); null if undefined. */
  readonly success: boolean | null;
  readonly lastInfo: Record<string, unknown> | undefined;
}

export interface RolloutOptions {
  readonly envId: string;
  /** Env options (e.g. `{ drift: 0 }` for CarTrack). */
  readonly envOptions?: Record<string, unknown>;
  /** The learner. May be omitted when β = 1 (pure expert demonstrations). */
  readonly policy?: ActingPolicy;
  readonly expert?: Expert;
  /** Probability of executing the expert's action at each step (default 0). */
  readonly beta?: number;
  readonly episodes: number;
  /** Episode i uses seed `firstSeed + i` for the env and the expert (default 0). */
  readonly firstSeed?: number;
  /** Policy acts deterministically (default true). */
  readonly deterministic?: boolean;
  /** Seed for β coin flips and stochastic actions (default: firstSeed). */
  readonly seed?: number;
  /** Record `env.getState()` per step (default true). */
  readonly recordStates?: boolean;
  /** Ask the expert at every step even when β = 0 (for analysis; costs an expert call per step). */
  readonly queryExpert?: boolean;
  /** Stop adding episodes once this many steps were recorded in total. */
  readonly maxTotalSteps?: number;
  /**
   * Step up to this many episodes side by side and ask the policy for all their actions in one
   * `actBatch` (default 1: one episode after the other). Same trajectories as one after the other —
   * episodes a sequential run would not have reached (`maxTotalSteps`) are dropped — so it is only used
   * where nothing draws from the shared random stream in between: β = 0, deterministic acting, no
   * `queryExpert` (otherwise the rollout runs sequentially). The policy's deterministic actions must
   * not depend on its batch (true of {@link Policy}: rows are independent).
   */
  readonly lockstep?: number;
}

/** Episodes side by side for an image policy (one batched encoder pass per step, see tf-acting.ts). */
export const IMAGE_POLICY_LOCKSTEP = 16;

/** Per-env success rule for envs whose last `info` has no boolean `success`. */
const SURVIVAL_ENVS = new Set(["CartPole-v1", "CarTrack-v0", "CarTrack-v1"]);
const GOAL_ENVS = new Set(["MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1"]);

/**
 * Success of one episode: `info.success` when the env reports it (Fork-v0); otherwise surviving to the
 * time limit (CartPole, CarTrack: termination means failure) or reaching the goal (MountainCar,
 * Acrobot: termination means success); null where success is undefined (Pendulum).
 */
export function episodeSuccess(
  envId: string,
  ended: { terminated: boolean; truncated: boolean; lastInfo: Record<string, unknown> | undefined },
): boolean | null {
  const s = ended.lastInfo?.["success"];
  if (typeof s === "boolean") return s;
  if (SURVIVAL_ENVS.has(envId)) return !ended.terminated;
  if (GOAL_ENVS.has(envId)) return ended.terminated;
  return null;
}

export function rollout(options: RolloutOptions): Trajectory[] {
  const env: Env = createEnv(options.envId, options.envOptions);
  const beta = options.beta ?? 0;
  if (!(beta >= 0 && beta <= 1)) throw new Error(`rollout: beta must be in [0, 1], got ${beta}`);
  if (options.policy === undefined && beta < 1) throw new Error("rollout: a policy is required when beta < 1");
  if (options.expert === undefined && (beta > 0 || options.queryExpert)) throw new Error("rollout: beta > 0 needs an expert");
  const firstSeed = options.firstSeed ?? 0;
  const rng = mulberry32(subSeed(options.seed ?? firstSeed, 7));
  const deterministic = options.deterministic ?? true;
  const recordStates = options.recordStates ?? true;
  const visual = options.policy?.isVisual === true;
  if (visual && env.observeImages === undefined) throw new Error(`rollout: the policy sees images but ${options.envId} has no cameras`);
  const width = Math.floor(options.lockstep ?? 1);
  if (width > 1 && beta === 0 && deterministic && !options.queryExpert && options.policy !== undefined) {
    return rolloutLockstep(options, options.policy, width, firstSeed, visual, recordStates);
  }
  const trajectories: Trajectory[] = [];
  let totalSteps = 0;
  for (let e = 0; e < options.episodes; e++) {
    if (options.maxTotalSteps !== undefined && totalSteps >= options.maxTotalSteps) break;
    const seed = firstSeed + e;
    options.expert?.reset(seed);
    let observation = env.reset(seed);
    const steps: RolloutStep[] = [];
    let total = 0;
    for (let t = 0; ; t++) {
      const state = recordStates || options.expert !== undefined ? env.getState() : undefined;
      let policyAction: Action | undefined;
      let uncertainty = 0;
      let spread = 0;
      if (options.policy !== undefined) {
        // An image policy sees what the camera env renders of this very state (the labeller sees the same).
        const input: ObservationInput = visual ? { state: observation, ...(env.observeImages as () => Record<string, Uint8Array>).call(env) } : observation;
        const out = options.policy.actBatch([input], { deterministic, rng });
        policyAction = out.actions[0] as Action;
        uncertainty = out.uncertainty[0] as number;
        spread = out.spread[0] as number;
      }
      const useExpert = beta >= 1 || (beta > 0 && rng() < beta);
      const expertAction = useExpert || options.queryExpert ? (options.expert as Expert).act(state as number[]) : undefined;
      const action = (useExpert ? expertAction : policyAction) as Action;
      const result = env.step(action);
      total += result.reward;
      steps.push({
        t,
        observation,
        ...(recordStates && state !== undefined ? { state } : {}),
        ...(policyAction === undefined ? {} : { policyAction }),
        ...(expertAction === undefined ? {} : { expertAction }),
        action,
        actor: useExpert ? "expert" : "policy",
        uncertainty,
        spread,
        reward: result.reward,
      });
      observation = result.observation;
      if (result.terminated || result.truncated) {
        const ended = { terminated: result.terminated, truncated: result.truncated, lastInfo: result.info };
        trajectories.push({
          episode: e,
          seed,
          steps,
          return: total,
          length: steps.length,
          ...ended,
          success: episodeSuccess(options.envId, ended),
        });
        totalSteps += steps.length;
        break;
      }
    }
  }
  return trajectories;
}

interface LiveEpisode {
  readonly episode: number;
  readonly seed: number;
  readonly env: Env;
  observation: number[];
  readonly steps: RolloutStep[];
  total: number;
  /** Set when the episode ended (its trajectory) or was dropped (null: a sequential run never reaches it). */
  ended?: Trajectory | null;
}

/**
 * {@link rollout} with `width` episodes at a time stepped in lockstep: one `actBatch` per step over the
 * live episodes. β = 0 and deterministic acting only (nothing else draws random numbers), so each
 * episode's steps are those of the sequential loop; with `maxTotalSteps` an episode is dropped as soon as
 * the episodes before it are sure to reach the cap (a sequential run would not have started it).
 */
function rolloutLockstep(options: RolloutOptions, policy: ActingPolicy, width: number, firstSeed: number, visual: boolean, recordStates: boolean): Trajectory[] {
  const max = options.maxTotalSteps;
  const trajectories: Trajectory[] = [];
  let totalSteps = 0;
  for (let first = 0; first < options.episodes; first += width) {
    if (max !== undefined && totalSteps >= max) break;
    const wave: LiveEpisode[] = [];
    for (let e = first; e < Math.min(first + width, options.episodes); e++) {
      const env = createEnv(options.envId, options.envOptions);
      wave.push({ episode: e, seed: firstSeed + e, env, observation: env.reset(firstSeed + e), steps: [], total: 0 });
    }
    for (;;) {
      if (max !== undefined) {
        // An episode is needed only while the ones before it may still end short of the cap.
        let before = totalSteps;
        for (const ep of wave) {
          if (before >= max && ep.ended === undefined) ep.ended = null;
          before += ep.ended ? ep.ended.length : ep.steps.length;
        }
      }
      const live = wave.filter((ep) => ep.ended === undefined);
      if (live.length === 0) break;
      const inputs: ObservationInput[] = live.map((ep) =>
        visual ? { state: ep.observation, ...(ep.env.observeImages as () => Record<string, Uint8Array>).call(ep.env) } : ep.observation,
      );
      const out = policy.actBatch(inputs, { deterministic: true });
      live.forEach((ep, i) => {
        const state = recordStates ? ep.env.getState() : undefined;
        const action = out.actions[i] as Action;
        const result = ep.env.step(action);
        ep.total += result.reward;
        ep.steps.push({
          t: ep.steps.length,
          observation: ep.observation,
          ...(state === undefined ? {} : { state }),
          policyAction: action,
          action,
          actor: "policy",
          uncertainty: out.uncertainty[i] as number,
          spread: out.spread[i] as number,
          reward: result.reward,
        });
        ep.observation = result.observation;
        if (result.terminated || result.truncated) {
          const ended = { terminated: result.terminated, truncated: result.truncated, lastInfo: result.info };
          ep.ended = { episode: ep.episode, seed: ep.seed, steps: ep.steps, return: ep.total, length: ep.steps.length, ...ended, success: episodeSuccess(options.envId, ended) };
        }
      });
    }
    for (const ep of wave) {
      if (!ep.ended || (max !== undefined && totalSteps >= max)) break;
      trajectories.push(ep.ended);
      totalSteps += ep.ended.length;
    }
  }
  return trajectories;
}

/** A uniform-random {@link ActingPolicy} over `space` (uncertainty 0), seeded. */
export function randomActingPolicy(space: Space, seed = 0): ActingPolicy {
  const rng = mulberry32(subSeed(seed, 11));
  return {
    actBatch(observations) {
      const actions = observations.map((): number | number[] =>
        space.type === "discrete"
          ? Math.min(Math.floor(rng() * space.n), space.n - 1)
          : space.low.map((lo, i) => lo + ((space.high[i] as number) - lo) * rng()),
      );
      return { actions, uncertainty: new Float32Array(actions.length), spread: new Float32Array(actions.length) };
    },
  };
}
