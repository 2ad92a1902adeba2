/**
 * The environment contract every env in `envs/` implements, and the base class that gives them the
 * shared episode mechanics: seeding, the step counter and time limit, lifecycle checks, and state
 * validation. Subclasses only write their dynamics.
 */
import { Prng } from "./prng";
import type { Action, ActionInput, BoxSpace, Space } from "./spaces";

/** What one environment is, as plain JSON (safe to send to the browser or store in the database). */
export interface EnvSpec {
  /** Registry id, e.g. `"CartPole-v1"`. */
  readonly id: string;
  /** One or two sentences for people choosing an environment. */
  readonly description: string;
  /** `"gymnasium-1.4.0"` for the exact classic-control ports, `"corrective"` for our own envs. */
  readonly source: "gymnasium-1.4.0" | "corrective";
  readonly observationSpace: BoxSpace;
  /** Names of the observation vector's elements, in order. */
  readonly observationFields: readonly string[];
  /**
   * Cameras, for envs observed through images (Gymnasium `Dict`): each `Box(0, 255, [H, W, C], uint8)` under its
   * name, with `observationSpace` as the `state` key. Absent for vector-only envs. See `observationImages`.
   */
  readonly cameras?: readonly EnvCamera[];
  readonly actionSpace: Space;
  /** Names of the `getState()` vector's elements, in order. */
  readonly stateFields: readonly string[];
  /** Time limit: `truncated` is true on step number `maxEpisodeSteps` (counting from 1). */
  readonly maxEpisodeSteps: number;
  /** Simulated seconds per step (for real-time replay speed). */
  readonly dt: number;
  /** Whether {@link createExpert} has a scripted expert for this env. */
  readonly hasExpert: boolean;
  /**
   * Mean undiscounted return over 20 seeded episodes (seeds 0..19) for a uniform-random policy and for
   * the scripted expert, measured by `tests/envs/experts.test.ts`. The trainer's normalised score is
   * `(R - random) / (expert - random)`.
   */
  readonly referenceReturns: { readonly random: number; readonly expert: number | null };
  /** Gymnasium's `reward_threshold` where it has one ("solved"). */
  readonly rewardThreshold: number | null;
}

/** One camera of an env's observation: `shape` is `[height, width, channels]` of uint8 pixels, row major. */
export interface EnvCamera {
  readonly name: string;
  readonly shape: readonly [number, number, number];
}

/** The result of one `step`. */
export interface StepResult {
  /** The observation after the step (a fresh array). */
  readonly observation: number[];
  readonly reward: number;
  /** The episode ended inside the MDP (goal reached, pole fell, car left the road …). */
  readonly terminated: boolean;
  /** The time limit was hit (can be true together with `terminated`). */
  readonly truncated: boolean;
  /** Env-specific extras, e.g. `{ progress, lapCompleted }` for CarTrack. JSON-serialisable. */
  readonly info?: Record<string, unknown>;
}

/** Actions drawn over a state by `render`, each in its own colour (see `render/overlay.ts`). */
export interface RenderOverlay {
  /** What the current policy does here (orange). */
  readonly policyAction?: Action;
  /** What the scripted expert would do here (blue). */
  readonly expertAction?: Action;
  /** The human label being given or already given (green). */
  readonly labelAction?: Action;
  /** A short line of text drawn in the top-left corner (e.g. "t = 42"). */
  readonly caption?: string;
}

/** A 2-D canvas context: on-screen or in a worker. */
export type RenderContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Options for `createEnv`: a seed for the env's own PRNG, plus env-specific settings. */
export interface EnvOptions {
  /** Seeds the PRNG used by `reset()` calls that pass no seed (default 0). */
  readonly seed?: number;
  readonly [key: string]: unknown;
}

/** Options for `reset`, env-specific (e.g. `{ low, high }` for CartPole, `{ track }` for CarTrack). */
export type ResetOptions = Readonly<Record<string, unknown>>;

export interface Env {
  readonly spec: EnvSpec;
  /** Steps taken since the last reset (or as given to `setState`). */
  readonly stepCount: number;
  /**
   * Starts an episode and returns its first observation. With a seed the env's PRNG is re-seeded first
   * (same seed, same episode); without one the PRNG continues.
   */
  reset(seed?: number, options?: ResetOptions): number[];
  /**
   * Advances one step.
   * @throws Error for an invalid action (wrong type or shape, out-of-range discrete, NaN/±Infinity),
   *   before `reset()`, and after the episode has ended (call `reset()` or `setState()`).
   */
  step(action: ActionInput): StepResult;
  /** The current observation (a fresh array). */
  observe(): number[];
  /** The current images, one per `spec.cameras` entry (envs with cameras only). */
  observeImages?(): Record<string, Uint8Array>;
  /** The full internal state (a fresh array, layout `spec.stateFields`): enough to continue exactly. */
  getState(): number[];
  /**
   * Puts the env into `state` (e.g. a state the policy visited) with `stepCount` steps already taken
   * (default 0), so that `step` continues from there and truncates at the right step.
   * @throws Error for a wrong length or a non-finite element.
   */
  setState(state: readonly number[], stepCount?: number): void;
  /** Draws `state` (default: the current one) filling the context's canvas, with optional action overlays. */
  render(ctx: RenderContext, state?: readonly number[], overlay?: RenderOverlay): void;
}

/** How well a scripted expert does, as documented and checked by `tests/envs/experts.test.ts`. */
export interface ExpertScore {
  /** What `value` measures, e.g. `"mean return"` or `"mean lap completion"`. */
  readonly metric: string;
  /** The guaranteed level: the test asserts the measured mean is at least this (or equal, for CartPole's 500). */
  readonly value: number;
  /** Number of seeded episodes the value is measured over (seeds 0..episodes-1). */
  readonly episodes: number;
  /** How the expert works, in a sentence or two. */
  readonly description: string;
}

/**
 * A scripted expert. It acts from the env's *internal* state (`env.getState()`), not the observation,
 * so it can label any state a learner visited.
 */
export interface Expert {
  readonly envId: string;
  readonly score: ExpertScore;
  /** Starts a new episode: draws any per-episode choice (Fork's side) from `seed`. Others ignore it. */
  reset(seed?: number): void;
  /** The expert's action in `state` (layout `spec.stateFields`). Never mutates `state`. */
  act(state: readonly number[]): Action;
}

/** Lifecycle of an env instance. */
const enum Phase {
  NeedsReset = 0,
  Live = 1,
  Ended = 2,
}

/**
 * Shared episode mechanics. A subclass implements `sampleInitialState`, `advance` (validate the action,
 * update the state, return the reward, set `terminatedFlag`), `observe`, `readState`/`writeState`
 * and `draw`.
 */
export abstract class BaseEnv implements Env {
  readonly spec: EnvSpec;
  protected rng: Prng;
  protected terminatedFlag = false;
  private phase: Phase = Phase.NeedsReset;
  private steps = 0;

  protected constructor(spec: EnvSpec, options: EnvOptions | undefined) {
    this.spec = spec;
    const seed = options?.seed ?? 0;
    this.rng = new Prng(checkSeed(spec.id, seed));
  }

  get stepCount(): number {
    return this.steps;
  }

  reset(seed?: number, options?: ResetOptions): number[] {
    if (seed !== undefined) this.rng = new Prng(checkSeed(this.spec.id, seed));
    this.sampleInitialState(this.rng, options ?? {});
    this.steps = 0;
    this.terminatedFlag = false;
    this.phase = Phase.Live;
    return this.observe();
  }

  step(action: ActionInput): StepResult {
    if (this.phase !== Phase.Live) {
      throw new Error(
        this.phase === Phase.NeedsReset
          ? `${this.spec.id}: step() called before reset()`
          : `${this.spec.id}: step() called after the episode ended; call reset() or setState() first`,
      );
    }
    const reward = this.advance(action);
    const steps = ++this.steps;
    const terminated = this.terminatedFlag;
    const truncated = steps >= this.spec.maxEpisodeSteps;
    if (terminated || truncated) this.phase = Phase.Ended;
    const info = this.stepInfo();
    return info === undefined
      ? { observation: this.observe(), reward, terminated, truncated }
      : { observation: this.observe(), reward, terminated, truncated, info };
  }

  getState(): number[] {
    return this.readState();
  }

  setState(state: readonly number[], stepCount = 0): void {
    const n = this.spec.stateFields.length;
    if (!Array.isArray(state) && !ArrayBuffer.isView(state)) {
      throw new Error(`${this.spec.id}: setState expects an array of ${n} numbers`);
    }
    if (state.length !== n) {
      throw new Error(
        `${this.spec.id}: setState expects ${n} numbers [${this.spec.stateFields.join(", ")}], got ${state.length}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const v = state[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new Error(`${this.spec.id}: setState: ${this.spec.stateFields[i]} = ${String(v)} is not a finite number`);
      }
    }
    if (!Number.isInteger(stepCount) || stepCount < 0) {
      throw new Error(`${this.spec.id}: setState: stepCount must be a non-negative integer, got ${stepCount}`);
    }
    this.writeState(state);
    this.steps = stepCount;
    this.terminatedFlag = false;
    this.phase = Phase.Live;
  }

  render(ctx: RenderContext, state?: readonly number[], overlay?: RenderOverlay): void {
    this.draw(ctx, state ?? this.readState(), overlay ?? {});
  }

  abstract observe(): number[];

  /** Draws a fresh initial state from `rng` into the env (options already defaulted to `{}`). */
  protected abstract sampleInitialState(rng: Prng, options: ResetOptions): void;
  /** Validates `action`, advances the state one step, sets `terminatedFlag`, returns the reward. */
  protected abstract advance(action: ActionInput): number;
  protected abstract readState(): number[];
  /** Sets the internal state from an already length- and finiteness-checked vector. */
  protected abstract writeState(state: readonly number[]): void;
  protected abstract draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void;
  /** Extra info for the last step; `undefined` (the default) means no `info` key. */
  protected stepInfo(): Record<string, unknown> | undefined {
    return undefined;
  }
}

function checkSeed(envId: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new Error(`${envId}: seed must be a safe integer, got ${String(seed)}`);
  }
  return seed;
}

/** Reads a numeric reset option, or returns `fallback` when absent. */
export function numberOption(envId: string, options: ResetOptions, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`${envId}: reset option "${key}" must be a finite number, got ${String(v)}`);
  }
  return v;
}
