/**
 * A people-like model of simulated labellers (issue 20), for benchmarks and tests: a crowd of
 * persons built on a scripted expert, each with the inconsistencies Laskey et al. (2017) report for
 * people labelling robot-visited states:
 *
 * - **reaction delay** (ride-along): a person riding along labels state t with what they would have
 *   done `reactionDelaySteps` earlier (the history passed to `label`; none when labelling a frozen state);
 * - **bias**: continuous labels are offset by the person's own `bias` (action half-range units, one
 *   value per dimension, drawn at creation); on discrete spaces the person answers their favourite
 *   action with probability `bias`;
 * - **jitter**: Gaussian noise of `jitter` half-ranges on continuous labels;
 * - **gross errors, growing with fatigue**: with probability `errorRate + fatiguePer1000 · n/1000`
 *   (n = labels this person gave so far, capped at `maxErrorRate`) the label is a uniformly random action;
 * - **mode flips**: on multimodal states (experts with a per-episode side, Fork's) each person has a
 *   habitual side and takes the other one with probability `modeFlip`;
 * - **"can't tell"** near decision boundaries: where the expert's answer changes under a 1 % nudge of
 *   a non-integer state element, the person answers `null` with probability `cantTell` (the label
 *   still costs their time).
 *
 * Deterministic given the seed. Browser-safe.
 */
import type { Action, Expert, Space } from "../../envs/index";
import { gaussian, mulberry32, subSeed, type Rng } from "../random";
import { randomAction } from "./labels";

export interface PersonParams {
  /** Probability of a uniformly random label at the start of the session. */
  readonly errorRate: number;
  /** Added to the error rate per 1000 labels this person has given. */
  readonly fatiguePer1000: number;
  readonly maxErrorRate: number;
  /** Continuous: offset per dimension (half-ranges). Discrete: probability of the favourite action. */
  readonly bias: readonly number[];
  /** Continuous: standard deviation of the label noise, half-ranges. */
  readonly jitter: number;
  /** Ride-along reaction delay, steps. */
  readonly reactionDelaySteps: number;
  /** On multimodal states: probability of the non-habitual mode. */
  readonly modeFlip: number;
  /** Near a decision boundary: probability of answering "can't tell" (null). */
  readonly cantTell: number;
  /** Multimodal experts: the person's habitual side. */
  readonly habitualSide: -1 | 1;
  /** Discrete: the favourite action (`bias` says how often it wins). */
  readonly favouriteAction: number;
  /** Whether this person was drawn as one of the crowd's noisy labellers. */
  readonly noisy: boolean;
}

/** Parameters of a crowd: typical values for careful people, and what changes for the noisy ones. */
export interface CrowdOptions {
  readonly expert: Expert;
  readonly space: Space;
  /** Number of people (default 10). */
  readonly size?: number;
  /** Share of noisy labellers (default 0.25). */
  readonly noisyFraction?: number;
  readonly seed?: number;
  /** Careful people (defaults below); `noisy` overrides for the noisy share. */
  readonly careful?: Partial<CrowdPersonTemplate>;
  readonly noisy?: Partial<CrowdPersonTemplate>;
}

export interface CrowdPersonTemplate {
  readonly errorRate: number;
  readonly fatiguePer1000: number;
  readonly maxErrorRate: number;
  /** Standard deviation across people of the continuous bias (half-ranges), or the discrete favourite rate. */
  readonly biasScale: number;
  readonly jitter: number;
  readonly reactionDelaySteps: number;
  readonly modeFlip: number;
  readonly cantTell: number;
}

export const CAREFUL_PERSON: CrowdPersonTemplate = {
  errorRate: 0.03,
  fatiguePer1000: 0.02,
  maxErrorRate: 0.5,
  biasScale: 0.03,
  jitter: 0.03,
  reactionDelaySteps: 2,
  modeFlip: 0.05,
  cantTell: 0.3,
};

export const NOISY_PERSON: CrowdPersonTemplate = {
  errorRate: 0.35,
  fatiguePer1000: 0.1,
  maxErrorRate: 0.8,
  biasScale: 0.1,
  jitter: 0.1,
  reactionDelaySteps: 4,
  modeFlip: 0.2,
  cantTell: 0.1,
};

/** One label: who gave it, and the action (null = "can't tell"). */
export interface PersonLabel {
  readonly person: number;
  readonly action: Action | null;
}

export interface Crowd {
  readonly people: readonly PersonParams[];
  /**
   * Labels of `state` by `k` distinct people drawn at random (k ≤ crowd size). `history` holds the
   * states before it, oldest first (ride-along); without it there is no reaction delay.
   */
  label(state: readonly number[], k: number, history?: readonly (readonly number[])[]): PersonLabel[];
  /** One label by a given person. */
  labelBy(person: number, state: readonly number[], history?: readonly (readonly number[])[]): PersonLabel;
  /** Labels given so far (the budget spent, "can't tell" included), in all and per person. */
  readonly labelsGiven: number;
  labelsBy(person: number): number;
  /** The person's current gross-error probability (it grows with fatigue). */
  errorRateOf(person: number): number;
}

/** The expert's per-episode side, where it has one (Fork). */
interface SidedExpert extends Expert {
  setSide(side: -1 | 1): void;
}
const isSided = (e: Expert): e is SidedExpert => typeof (e as Partial<SidedExpert>).setSide === "function";

export function createCrowd(options: CrowdOptions): Crowd {
  const size = options.size ?? 10;
  const noisyFraction = options.noisyFraction ?? 0.25;
  if (!Number.isInteger(size) || size < 1) throw new Error(`crowd size must be a positive integer, got ${size}`);
  if (!(noisyFraction >= 0 && noisyFraction <= 1)) throw new Error(`noisyFraction must be in [0, 1], got ${noisyFraction}`);
  const { expert, space } = options;
  const seed = options.seed ?? 0;
  const make = mulberry32(subSeed(seed, 71));
  const dims = space.type === "discrete" ? 1 : space.shape[0];
  const careful = { ...CAREFUL_PERSON, ...options.careful };
  const noisyT = { ...NOISY_PERSON, ...options.noisy };
  const noisyCount = Math.round(size * noisyFraction);
  const people: PersonParams[] = Array.from({ length: size }, (_, i) => {
    const t = i < noisyCount ? noisyT : careful;
    return {
      errorRate: t.errorRate,
      fatiguePer1000: t.fatiguePer1000,
      maxErrorRate: t.maxErrorRate,
      bias: space.type === "discrete" ? [t.biasScale] : Array.from({ length: dims }, () => t.biasScale * gaussian(make)),
      jitter: t.jitter,
      reactionDelaySteps: t.reactionDelaySteps,
      modeFlip: t.modeFlip,
      cantTell: t.cantTell,
      habitualSide: make() < 0.5 ? -1 : 1,
      favouriteAction: space.type === "discrete" ? Math.min(space.n - 1, Math.floor(make() * space.n)) : 0,
      noisy: i < noisyCount,
    };
  });
  const rngs: Rng[] = people.map((_, i) => mulberry32(subSeed(seed, 72, i)));
  const pick = mulberry32(subSeed(seed, 73));
  const given = new Array<number>(size).fill(0);
  const halfRange =
    space.type === "discrete" ? [1] : space.low.map((lo, j) => (Number.isFinite((space.high[j] as number) - lo) ? ((space.high[j] as number) - lo) / 2 : 1));

  const errorRateOf = (person: number): number => {
    const p = people[person] as PersonParams;
    return Math.min(p.maxErrorRate, p.errorRate + (p.fatiguePer1000 * (given[person] as number)) / 1000);
  };

  const expertAct = (state: readonly number[], side: -1 | 1 | null): Action => {
    if (side !== null && isSided(expert)) expert.setSide(side);
    return expert.act(state);
  };

  const labelBy = (person: number, state: readonly number[], history?: readonly (readonly number[])[]): PersonLabel => {
    const p = people[person];
    if (p === undefined) throw new Error(`no person ${person} in a crowd of ${size}`);
    const rng = rngs[person] as Rng;
    const errorRate = errorRateOf(person);
    given[person] = (given[person] as number) + 1;
    const delay = history === undefined ? 0 : Math.min(p.reactionDelaySteps, history.length);
    const seen = delay === 0 ? state : (history?.[history.length - delay] as readonly number[]);
    // Draw every random number every time, so one person's stream does not depend on which branch ran.
    const uError = rng();
    const uFlip = rng();
    const uCantTell = rng();
    const uBias = rng();
    const side: -1 | 1 | null = isSided(expert) ? (uFlip < p.modeFlip ? (-p.habitualSide as -1 | 1) : p.habitualSide) : null;
    const clean = expertAct(seen, side);
    if (uCantTell < p.cantTell && nearBoundary(seen, clean, side)) return { person, action: null };
    if (uError < errorRate) return { person, action: randomAction(space, rng) };
    if (space.type === "discrete") return { person, action: uBias < (p.bias[0] as number) ? p.favouriteAction : clean };
    const vec = typeof clean === "number" ? [clean] : Array.from(clean);
    return {
      person,
      action: vec.map((v, j) => {
        const h = halfRange[j] as number;
        const out = v + h * ((p.bias[j] as number) + p.jitter * gaussian(rng));
        return Math.max(space.low[j] as number, Math.min(space.high[j] as number, out));
      }),
    };
  };

  /** The expert's answer changes under a 1 % nudge of any real-valued state element. */
  const nearBoundary = (state: readonly number[], clean: Action, side: -1 | 1 | null): boolean => {
    const base = typeof clean === "number" ? [clean] : Array.from(clean);
    for (let i = 0; i < state.length; i++) {
      const v = state[i] as number;
      // Integer elements are skipped: indices and PRNG states (CarTrack's track, noise) are not quantities.
      if (Number.isInteger(v)) continue;
      const eps = 0.01 * Math.max(Math.abs(v), 0.1);
      for (const sgn of [-1, 1]) {
        const nudged = [...state];
        nudged[i] = v + sgn * eps;
        let a: Action;
        try {
          a = expertAct(nudged, side);
        } catch {
          continue; // a nudge the expert cannot label is no evidence of a boundary
        }
        const vec = typeof a === "number" ? [a] : Array.from(a);
        const changed =
          space.type === "discrete" ? vec[0] !== base[0] : vec.some((x, j) => Math.abs(x - (base[j] as number)) / (halfRange[j] as number) > 0.5);
        if (changed) return true;
      }
    }
    return false;
  };

  return {
    people,
    label(state, k, history) {
      if (!Number.isInteger(k) || k < 1 || k > size) throw new Error(`k must be an integer in 1..${size}, got ${k}`);
      const chosen: number[] = [];
      while (chosen.length < k) {
        const i = Math.min(size - 1, Math.floor(pick() * size));
        if (!chosen.includes(i)) chosen.push(i);
      }
      return chosen.map((i) => labelBy(i, state, history));
    },
    labelBy,
    get labelsGiven() {
      return given.reduce((a, b) => a + b, 0);
    },
    labelsBy: (person) => given[person] ?? 0,
    errorRateOf,
  };
}
