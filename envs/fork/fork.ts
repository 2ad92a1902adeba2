/**
 * Fork-v0: a multimodal imitation task. The agent moves forward at constant speed and chooses its
 * lateral velocity; an obstacle sits straight ahead of its start. Passing left and passing right are
 * both correct, and the expert picks one at random per episode — so expert data at the start is
 * split between two actions, and a policy that averages them (a unimodal Gaussian head fitted by
 * least squares) goes straight into the obstacle. Once the agent is off-centre the observation
 * (`obstacle_dx`) says which side it committed to, so the modes separate.
 */
import { BaseEnv, numberOption } from "../env";
import type { EnvOptions, EnvSpec, RenderContext, RenderOverlay, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { boxSpace, checkBoxAction } from "../spaces";
import type { ActionInput } from "../spaces";
import { COURSE, CONTACT_DISTANCE, FORK_STATE_FIELDS, sideOf } from "./course";
import { renderFork } from "./render";

const ACTION_SPACE = boxSpace([-1], [1], ["lateral velocity"]);

const OBSERVATION_FIELDS = ["lateral_position", "obstacle_dx", "obstacle_dy", "goal_dy"];

export const FORK_SPEC: EnvSpec = {
  id: "Fork-v0",
  description:
    "Move forward past an obstacle, left or right (both are right; their average crashes). +1 on reaching the goal line, −1 on contact.",
  source: "corrective",
  observationSpace: boxSpace(
    [-1, -2 * COURSE.halfWidth, -COURSE.goalY, 0],
    [1, 2 * COURSE.halfWidth, COURSE.obstacleYMax, COURSE.goalY],
    OBSERVATION_FIELDS,
  ),
  observationFields: OBSERVATION_FIELDS,
  actionSpace: ACTION_SPACE,
  stateFields: FORK_STATE_FIELDS,
  maxEpisodeSteps: 60,
  dt: COURSE.dt,
  hasExpert: true,
  referenceReturns: { random: -1, expert: 1 },
  rewardThreshold: null,
};

export class ForkEnv extends BaseEnv {
  protected x = 0;
  protected y = 0;
  protected obstacleX = 0;
  protected obstacleY = 0;
  /** The last (clipped) lateral action: not part of Fork-v0's state or observation (Fork-v1 observes it). */
  protected lateral = 0;
  protected collided = false;
  protected reachedGoal = false;

  /** `spec` is for variants (Fork-v1) that share the dynamics. */
  constructor(options?: EnvOptions, spec: EnvSpec = FORK_SPEC) {
    super(spec, options);
  }

  /** Reset options: `obstacle_x`, `obstacle_y` fix the obstacle; the agent starts straight behind it. */
  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const ox = rng.uniform(-COURSE.obstacleXRange, COURSE.obstacleXRange);
    const oy = rng.uniform(COURSE.obstacleYMin, COURSE.obstacleYMax);
    this.obstacleX = numberOption(this.spec.id, options, "obstacle_x", ox);
    this.obstacleY = numberOption(this.spec.id, options, "obstacle_y", oy);
    this.x = this.obstacleX;
    this.y = 0;
    this.collided = false;
    this.reachedGoal = false;
  }

  protected advance(action: ActionInput): number {
    const a = checkBoxAction(this.spec.id, ACTION_SPACE, action)[0] as number;
    const clipped = a < -1 ? -1 : a > 1 ? 1 : a;
    this.lateral = clipped;
    const limit = COURSE.halfWidth - COURSE.agentRadius;
    const x = this.x + clipped * COURSE.lateralSpeed * COURSE.dt;
    this.x = x < -limit ? -limit : x > limit ? limit : x;
    this.y += COURSE.forwardSpeed * COURSE.dt;
    this.collided = Math.hypot(this.x - this.obstacleX, this.y - this.obstacleY) < CONTACT_DISTANCE;
    this.reachedGoal = !this.collided && this.y >= COURSE.goalY;
    this.terminatedFlag = this.collided || this.reachedGoal;
    return this.collided ? -1 : this.reachedGoal ? 1 : 0;
  }

  protected override stepInfo(): Record<string, unknown> {
    return {
      success: this.reachedGoal,
      collided: this.collided,
      side: sideOf(this.x, this.obstacleX),
    };
  }

  observe(): number[] {
    return [
      this.x / COURSE.halfWidth,
      this.x - this.obstacleX,
      this.obstacleY - this.y,
      COURSE.goalY - this.y,
    ];
  }

  protected readState(): number[] {
    return [this.x, this.y, this.obstacleX, this.obstacleY];
  }

  protected writeState(state: readonly number[]): void {
    [this.x, this.y, this.obstacleX, this.obstacleY] = state as [number, number, number, number];
    this.collided = false;
    this.reachedGoal = false;
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderFork(ctx, state, overlay);
  }
}
