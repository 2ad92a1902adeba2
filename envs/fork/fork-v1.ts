/**
 * Fork-v1: the multimodal task where a unimodal policy head fails (issue 20). Fork-v0's expert is
 * multimodal only in a ±0.1 m sliver, so a Gaussian head escapes it by luck and reaches 100 %.
 *
 * Here the agent starts anywhere in a wide band behind the obstacle (±0.3 m) and **both ways round are
 * correct from every state in the aligned band** (|obstacle_dx| ≤ 0.8 m, while both sides can still be
 * reached): demonstrators, like a crowd, pick either side whatever their offset. The agent senses how
 * far off-centre it is (|obstacle_dx|, like a range sensor), not on which side of the obstacle it is:
 * every observation stands for two mirror states, the labels there split ±1, and their mean (what a
 * unimodal Gaussian learns) is 0 — straight ahead, into the obstacle, until it is too late.
 *
 * Steering is **decisive**: a lateral command moves the agent only at |action| ≥ 0.5 (a dead band, like
 * an actuator's static friction or a lane change that needs a clear input); below it the agent goes
 * straight. What says the side is the agent's **indicator**: it shows −1 / +1 once the agent has
 * steered that way (|action| ≥ 0.5) and stays on until the episode ends (a latch, like a turn signal),
 * and the demonstrators keep to the indicated side while it is still reachable. A head that can
 * represent both modes (mixture, autoregressive, CVAE, diffusion) picks one at the start, steers, and
 * from then on the modes are separate. A head that averages the modes outputs ≈ 0: it neither moves
 * nor sets the indicator, and meets the same split labels at every state on its way into the obstacle.
 *
 * Why both: an earlier version observed the raw lateral velocity, and a Gaussian's small bias fed back
 * through it into a commitment (73–88 % success). With the latch but without the dead band, DAgger
 * broke the symmetry instead: a slight drift to one side makes the learner visit that side's states,
 * where near the obstacle only that side is still reachable, so their labels push the drift further —
 * the Gaussian learned a slow ramp and escaped in up to 85 % of episodes. With the dead band, an
 * undecided policy does not drift at all, the states it visits stay mirror-balanced, and so do their
 * labels.
 *
 * Coordinates as Fork-v0 (`x` lateral, `y` forward, metres). Deterministic given the seed.
 */
import { numberOption } from "../env";
import type { EnvOptions, EnvSpec, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { boxSpace, checkBoxAction, type ActionInput } from "../spaces";
import { COURSE, CONTACT_DISTANCE } from "./course";
import { ForkEnv } from "./fork";

export const COURSE_V1 = {
  ...COURSE,
  /** The agent's start: obstacle_x + U(−startBand, startBand). */
  startBand: 0.3,
  /** Obstacle centre y ∈ [obstacleYMin, obstacleYMax): about 2.5 s ahead at 2 m/s. */
  obstacleYMin: 4.5,
  obstacleYMax: 5.5,
  /** Half-width of the aligned band in which the side is free (the expert's coin decides). */
  alignedBand: 0.8,
} as const;

const ACTION_SPACE = boxSpace([-1], [1], ["lateral velocity"]);
const OBSERVATION_FIELDS = ["obstacle_offset", "obstacle_dy", "goal_dy", "indicator"];
export const FORK_V1_STATE_FIELDS = ["x", "y", "obstacle_x", "obstacle_y", "indicator"] as const;
/** |action| below which the agent does not move sideways (the dead band); at or above it the indicator latches to its sign. */
export const STEER_THRESHOLD = 0.5;

export const FORK_V1_SPEC: EnvSpec = {
  id: "Fork-v1",
  description:
    "Fork with a wide aligned band: from any start either way round is right and demonstrators mix them; the average goes straight into the obstacle. Steering needs |action| ≥ 0.5; the agent sees its offset (not the side) and a latched turn indicator. +1 at the goal, −1 on contact.",
  source: "corrective",
  observationSpace: boxSpace(
    [0, -COURSE.goalY, 0, -1],
    [2 * COURSE.halfWidth, COURSE_V1.obstacleYMax, COURSE.goalY, 1],
    OBSERVATION_FIELDS,
  ),
  observationFields: OBSERVATION_FIELDS,
  actionSpace: ACTION_SPACE,
  stateFields: FORK_V1_STATE_FIELDS,
  maxEpisodeSteps: 60,
  dt: COURSE.dt,
  hasExpert: true,
  referenceReturns: { random: -1, expert: 1 },
  rewardThreshold: null,
};

/** Fork-v0's dynamics (`ForkEnv`) with the v1 start, the indicator, observation and state. */
export class ForkV1Env extends ForkEnv {
  /** −1 / +1 once the agent has steered hard that way this episode (latched), else 0. */
  private indicator = 0;

  constructor(options?: EnvOptions) {
    super(options, FORK_V1_SPEC);
  }

  /** Reset options: `obstacle_x`, `obstacle_y`, `start_dx` (the agent's offset from the obstacle's centre). */
  protected override sampleInitialState(rng: Prng, options: ResetOptions): void {
    const ox = rng.uniform(-COURSE.obstacleXRange, COURSE.obstacleXRange);
    const oy = rng.uniform(COURSE_V1.obstacleYMin, COURSE_V1.obstacleYMax);
    const dx = rng.uniform(-COURSE_V1.startBand, COURSE_V1.startBand);
    this.obstacleX = numberOption(this.spec.id, options, "obstacle_x", ox);
    this.obstacleY = numberOption(this.spec.id, options, "obstacle_y", oy);
    this.x = this.obstacleX + numberOption(this.spec.id, options, "start_dx", dx);
    this.y = 0;
    this.lateral = 0;
    this.indicator = 0;
    this.collided = false;
    this.reachedGoal = false;
  }

  /** Fork-v0's step with the dead band: |action| < STEER_THRESHOLD moves straight ahead. */
  protected override advance(action: ActionInput): number {
    const a = checkBoxAction(this.spec.id, ACTION_SPACE, action)[0] as number;
    const clipped = a < -1 ? -1 : a > 1 ? 1 : a;
    const lateral = Math.abs(clipped) >= STEER_THRESHOLD ? clipped : 0;
    this.lateral = lateral;
    if (lateral !== 0) this.indicator = lateral > 0 ? 1 : -1;
    const limit = COURSE.halfWidth - COURSE.agentRadius;
    const x = this.x + lateral * COURSE.lateralSpeed * COURSE.dt;
    this.x = x < -limit ? -limit : x > limit ? limit : x;
    this.y += COURSE.forwardSpeed * COURSE.dt;
    this.collided = Math.hypot(this.x - this.obstacleX, this.y - this.obstacleY) < CONTACT_DISTANCE;
    this.reachedGoal = !this.collided && this.y >= COURSE.goalY;
    this.terminatedFlag = this.collided || this.reachedGoal;
    return this.collided ? -1 : this.reachedGoal ? 1 : 0;
  }

  override observe(): number[] {
    return [Math.abs(this.x - this.obstacleX), this.obstacleY - this.y, COURSE.goalY - this.y, this.indicator];
  }

  protected override readState(): number[] {
    return [this.x, this.y, this.obstacleX, this.obstacleY, this.indicator];
  }

  protected override writeState(state: readonly number[]): void {
    super.writeState(state);
    const i = state[4] as number;
    this.indicator = i > 0 ? 1 : i < 0 ? -1 : 0;
  }
}
