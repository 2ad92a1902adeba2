/**
 * Fork-v1's scripted expert. Per episode it has a side (`reset(seed)`: the seed's parity, so
 * consecutive demonstration episodes alternate, like a crowd split evenly between the two ways round);
 * in any state it steers at full gain to a lane 0.3 m beyond contact on its side.
 *
 * Side rule, a deterministic function of (state, episode side), so a labeller dropped into the
 * middle of an episode answers the same way:
 * 1. a side is *feasible* when the lateral distance still needed to clear the obstacle can be covered
 *    at full lateral speed before the agent reaches it (with a 0.5 m safety margin); where only one
 *    side is feasible, that side (the other answer would crash);
 * 2. where both are, and the agent's indicator is on (it has steered hard one way), that side;
 * 3. else if the agent is outside the aligned band (|obstacle_dx| > 0.8 m), its side;
 * 4. else the episode's coin: both ways round are correct anywhere in the aligned band.
 */
import { COURSE, CONTACT_DISTANCE } from "./course";
import { createSidedExpert, type ForkExpert, type ForkSide } from "./expert";
import { COURSE_V1 } from "./fork-v1";

/** Lateral clearance the expert aims to have when it passes the obstacle's centre. */
const CLEAR = CONTACT_DISTANCE + 0.1;
const LANE = CLEAR + 0.3;
const GAIN = 4.0;
/** Forward distance kept in reserve: arriving level at exactly CLEAR would clip the round obstacle. */
const Y_MARGIN = 0.5;

/** The side the Fork-v1 expert passes on in `state` given its episode coin. */
export function forkV1ExpertSide(state: readonly number[], episodeSide: ForkSide): ForkSide {
  const [x = 0, y = 0, obstacleX = 0, obstacleY = 0, indicator = 0] = state;
  const dx = x - obstacleX;
  const reach = (COURSE.lateralSpeed * Math.max(0, obstacleY - y - Y_MARGIN)) / COURSE.forwardSpeed;
  const canRight = CLEAR - dx <= reach;
  const canLeft = CLEAR + dx <= reach;
  if (canRight && !canLeft) return 1;
  if (canLeft && !canRight) return -1;
  if (!canLeft && !canRight) return dx > 0 ? 1 : dx < 0 ? -1 : episodeSide;
  if (indicator !== 0) return indicator > 0 ? 1 : -1;
  if (Math.abs(dx) > COURSE_V1.alignedBand) return dx > 0 ? 1 : -1;
  return episodeSide;
}

export function forkV1ExpertAction(state: readonly number[], episodeSide: ForkSide): number[] {
  const [x = 0, y = 0, obstacleX = 0, obstacleY = 0] = state;
  if (y > obstacleY + CONTACT_DISTANCE) return [0];
  const side = forkV1ExpertSide(state, episodeSide);
  const limit = COURSE.halfWidth - COURSE.agentRadius;
  const target = Math.max(-limit, Math.min(limit, obstacleX + side * LANE));
  return [Math.max(-1, Math.min(1, GAIN * (target - x)))];
}

/** Even seeds pass left, odd ones right: demonstrations over consecutive seeds are split evenly. */
const FORK_V1_SIDE = (seed: number): ForkSide => (Math.abs(Math.trunc(seed)) % 2 === 0 ? -1 : 1);

export function createForkV1Expert(options: { seed?: number } = {}): ForkExpert {
  return createSidedExpert("Fork-v1", forkV1ExpertAction, options.seed ?? 0, FORK_V1_SIDE, {
    metric: "success rate",
    value: 1,
    episodes: 20,
    description:
      "Side per episode by the seed's parity (an evenly split crowd) anywhere in the ±0.8 m aligned band, full-gain steer to a lane 0.4 m clear; keeps the indicated side; takes the only feasible side when one is left.",
  });
}
