/**
 * Fork-v0's scripted expert. Per episode it flips a coin for a side (`reset(seed)`); in any state it
 * steers towards a lane 0.4 m clear of the obstacle on that side, then holds its line once past.
 *
 * Side rule (also the rule for a labeller dropped into the middle of an episode): if the agent is
 * already more than COMMIT_DISTANCE (0.1 m) to one side of the obstacle's centre, it keeps that side —
 * crossing over in front of the obstacle would be the one wrong answer; only when it is still
 * (nearly) aligned does the episode's coin flip decide. So the expert is a deterministic function of
 * (state, episode side), and both modes are always correct.
 */
import type { Expert, ExpertScore } from "../env";
import { Prng } from "../prng";
import { COURSE, CONTACT_DISTANCE } from "./course";

export const COMMIT_DISTANCE = 0.1;
const CLEARANCE = 0.4;
const GAIN = 2.0;

export type ForkSide = -1 | 1;

/** The side the expert passes on in `state` given the episode's coin flip `episodeSide`. */
export function forkExpertSide(state: readonly number[], episodeSide: ForkSide): ForkSide {
  const [x = 0, , obstacleX = 0] = state;
  const dx = x - obstacleX;
  if (dx > COMMIT_DISTANCE) return 1;
  if (dx < -COMMIT_DISTANCE) return -1;
  return episodeSide;
}

/** The expert's lateral action in `state` when its episode coin flip is `episodeSide`. */
export function forkExpertAction(state: readonly number[], episodeSide: ForkSide): number[] {
  const [x = 0, y = 0, obstacleX = 0, obstacleY = 0] = state;
  if (y > obstacleY + CONTACT_DISTANCE) return [0]; // past it: hold the line
  const side = forkExpertSide(state, episodeSide);
  const limit = COURSE.halfWidth - COURSE.agentRadius;
  const target = Math.max(-limit, Math.min(limit, obstacleX + side * (CONTACT_DISTANCE + CLEARANCE)));
  return [Math.max(-1, Math.min(1, GAIN * (target - x)))];
}

export interface ForkExpert extends Expert {
  /** This episode's coin flip: −1 = pass left, +1 = pass right (used only while aligned). */
  readonly side: ForkSide;
  /** Overrides the coin flip (e.g. to label "the other mode" on purpose). */
  setSide(side: ForkSide): void;
}

export function createForkExpert(options: { seed?: number } = {}): ForkExpert {
  return createSidedExpert("Fork-v0", forkExpertAction, options.seed ?? 0, drawSide, {
    metric: "success rate",
    value: 1,
    episodes: 20,
    description:
      "Random side per episode (seeded), then a proportional steer to a lane 0.4 m clear of the obstacle; commits to the side the agent is already on.",
  });
}

/** Fork-v0's coin flip: the side of episode seed `s`. */
const drawSide = (s: number): ForkSide => (new Prng(s).next() < 0.5 ? -1 : 1);

/** A Fork expert whose per-episode side (`draw(seed)`) picks the side `act(state, side)` passes on. */
export function createSidedExpert(
  envId: string,
  act: (state: readonly number[], side: ForkSide) => number[],
  seed: number,
  draw: (seed: number) => ForkSide,
  score: ExpertScore,
): ForkExpert {
  let side: ForkSide = draw(seed);
  return {
    envId,
    score,
    get side() {
      return side;
    },
    setSide(next: ForkSide) {
      if (next !== -1 && next !== 1) throw new Error(`${envId} expert: side must be -1 or 1, got ${String(next)}`);
      side = next;
    },
    reset(s?: number) {
      side = s === undefined ? (side === 1 ? -1 : 1) : draw(s);
    },
    act: (state) => act(state, side),
  };
}
