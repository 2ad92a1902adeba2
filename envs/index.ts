/**
 * Corrective environments: the one import for trainer, server and UI code.
 *
 *   const env = createEnv("CartPole-v1", { seed: 1 });
 *   let obs = env.reset(42);
 *   const expert = createExpert("CartPole-v1");
 *   const { observation, reward, terminated, truncated } = env.step(expert.act(env.getState()));
 *
 * Everything here is pure TypeScript with no Node-only APIs, so it runs in the browser too.
 * See docs/ENVIRONMENTS.md for each environment, its expert and its measured scores.
 */
import { AcrobotEnv, ACROBOT_SPEC, createAcrobotExpert } from "./classic/acrobot";
import { CartPoleEnv, CARTPOLE_SPEC, createCartPoleExpert } from "./classic/cartpole";
import { MountainCarEnv, MOUNTAIN_CAR_SPEC, createMountainCarExpert } from "./classic/mountain-car";
import {
  MountainCarContinuousEnv,
  MOUNTAIN_CAR_CONTINUOUS_SPEC,
  createMountainCarContinuousExpert,
} from "./classic/mountain-car-continuous";
import { PendulumEnv, PENDULUM_SPEC, createPendulumExpert } from "./classic/pendulum";
import { CarTrackEnv, CARTRACK_SPEC, CARTRACK_V1, CARTRACK_V1_SPEC } from "./cartrack/cartrack";
import { createCarTrackExpert, createCarTrackV1Expert } from "./cartrack/expert";
import {
  CarTrackPixelsEnv,
  CARTRACK_PIXELS_SPEC,
  CARTRACK_PIXELS_V1_SPEC,
  carTrackPixelsImages,
  carTrackPixelsV1Images,
} from "./cartrack-pixels/cartrack-pixels";
import type { Env, EnvOptions, EnvSpec, Expert } from "./env";
import { createForkExpert } from "./fork/expert";
import { createForkV1Expert } from "./fork/expert-v1";
import { ForkEnv, FORK_SPEC } from "./fork/fork";
import { ForkV1Env, FORK_V1_SPEC } from "./fork/fork-v1";

export type {
  Env,
  EnvCamera,
  EnvOptions,
  EnvSpec,
  Expert,
  ExpertScore,
  RenderContext,
  RenderOverlay,
  ResetOptions,
  StepResult,
} from "./env";
export type { Action, ActionInput, BoxSpace, DiscreteSpace, Space } from "./spaces";
export { FLOAT32_MAX, checkStepAction, clipAction, spaceSize } from "./spaces";
export { Prng } from "./prng";
export {
  createRandomPolicy,
  expertPolicy,
  meanReturn,
  normalizedReturn,
  runEpisode,
  runEpisodes,
} from "./evaluate";
export type { EpisodeResult, Policy } from "./evaluate";
export { OVERLAY_COLORS } from "./render/overlay";
/** Fork-v0's expert with its per-episode side exposed (`side`, `setSide`) for mode-aware labelling. */
export { createForkExpert, forkExpertSide } from "./fork/expert";
export { createForkV1Expert, forkV1ExpertSide } from "./fork/expert-v1";
export type { ForkExpert, ForkSide } from "./fork/expert";

/** Options for {@link createExpert}. */
export interface ExpertOptions {
  /** Seeds the expert's per-episode choices until the first `reset(seed)` (default 0). */
  readonly seed?: number;
}

interface Registration {
  readonly spec: EnvSpec;
  readonly create: (options?: EnvOptions) => Env;
  readonly createExpert?: (options: ExpertOptions) => Expert;
  /** For envs with cameras: the images of a state (a pure function, identical in Node and the browser). */
  readonly images?: (state: readonly number[]) => Record<string, Uint8Array>;
}

const REGISTRY: readonly Registration[] = [
  { spec: CARTPOLE_SPEC, create: (o) => new CartPoleEnv(o), createExpert: createCartPoleExpert },
  { spec: MOUNTAIN_CAR_SPEC, create: (o) => new MountainCarEnv(o), createExpert: createMountainCarExpert },
  {
    spec: MOUNTAIN_CAR_CONTINUOUS_SPEC,
    create: (o) => new MountainCarContinuousEnv(o),
    createExpert: createMountainCarContinuousExpert,
  },
  { spec: PENDULUM_SPEC, create: (o) => new PendulumEnv(o), createExpert: createPendulumExpert },
  { spec: ACROBOT_SPEC, create: (o) => new AcrobotEnv(o), createExpert: createAcrobotExpert },
  { spec: CARTRACK_SPEC, create: (o) => new CarTrackEnv(o), createExpert: createCarTrackExpert },
  { spec: FORK_SPEC, create: (o) => new ForkEnv(o), createExpert: createForkExpert },
  // Harder variants where the arms of the efficacy benchmark separate (issue 20, docs/ENVIRONMENTS.md).
  { spec: CARTRACK_V1_SPEC, create: (o) => new CarTrackEnv(o, CARTRACK_V1), createExpert: createCarTrackV1Expert },
  { spec: FORK_V1_SPEC, create: (o) => new ForkV1Env(o), createExpert: createForkV1Expert },
  {
    spec: CARTRACK_PIXELS_SPEC,
    create: (o) => new CarTrackPixelsEnv(o),
    createExpert: () => ({ ...createCarTrackExpert(), envId: CARTRACK_PIXELS_SPEC.id }),
    images: carTrackPixelsImages,
  },
  // CarTrack-v1 through the camera: the harder pixel task (issue 18's DAgger-vs-BC runs, docs/TRAINER.md).
  {
    spec: CARTRACK_PIXELS_V1_SPEC,
    create: (o) => new CarTrackPixelsEnv(o, "v1"),
    createExpert: () => ({ ...createCarTrackV1Expert(), envId: CARTRACK_PIXELS_V1_SPEC.id }),
    images: carTrackPixelsV1Images,
  },
];

/** Every registered env id, in listing order. */
export const ENV_IDS: readonly string[] = REGISTRY.map((r) => r.spec.id);

function lookup(id: string): Registration {
  const found = REGISTRY.find((r) => r.spec.id === id);
  if (found === undefined) {
    throw new Error(`Unknown environment id "${String(id)}". Known ids: ${ENV_IDS.join(", ")}`);
  }
  return found;
}

/**
 * Creates a fresh env instance. Call `reset()` before the first `step()`.
 * @throws Error for an unknown id (the message lists the known ones) or invalid options.
 */
export function createEnv(id: string, options?: EnvOptions): Env {
  return lookup(id).create(options);
}

/** The spec of every registered env (plain JSON). */
export function listEnvs(): EnvSpec[] {
  return REGISTRY.map((r) => r.spec);
}

/** The spec of one env. @throws Error for an unknown id. */
export function getEnvSpec(id: string): EnvSpec {
  return lookup(id).spec;
}

/**
 * Creates the scripted expert of an env. It acts from `env.getState()`, so it can label any state.
 * @throws Error for an unknown id or an env without an expert.
 */
export function createExpert(id: string, options: ExpertOptions = {}): Expert {
  const entry = lookup(id);
  if (entry.createExpert === undefined) throw new Error(`Environment "${id}" has no scripted expert`);
  return entry.createExpert(options);
}

/**
 * The images an env's observation holds in `state` (its `getState()` vector), one per camera: what the policy
 * sees there, computed by the same code in Node and the browser. An empty record for an env without cameras.
 */
export function observationImages(id: string, state: readonly number[]): Record<string, Uint8Array> {
  return lookup(id).images?.(state) ?? {};
}

export { carTrackPixelsImages, carTrackPixelsV1Images } from "./cartrack-pixels/cartrack-pixels";
export { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH, rasteriseCarTrack } from "./cartrack-pixels/rasterise";
