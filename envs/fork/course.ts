/**
 * Fork-v0's course: a straight corridor with one round obstacle. Shared by the env, the expert and
 * the renderer. Coordinates: `x` lateral (metres, positive = right of the direction of travel),
 * `y` forward (metres from the start line).
 */
export const COURSE = {
  dt: 0.1,
  /** Forward speed, m/s (constant: the agent only chooses its lateral velocity). */
  forwardSpeed: 2.0,
  /** Lateral speed at action ±1, m/s. */
  lateralSpeed: 1.5,
  /** The corridor is |x| ≤ halfWidth (the agent's centre is clamped to stay inside). */
  halfWidth: 2.5,
  agentRadius: 0.25,
  obstacleRadius: 0.75,
  /** The obstacle's centre: y ∈ [obstacleYMin, obstacleYMax), x ∈ [−obstacleXRange, obstacleXRange). */
  obstacleYMin: 5,
  obstacleYMax: 7,
  obstacleXRange: 0.5,
  /** Crossing y = goalY without touching the obstacle is a success. */
  goalY: 10,
} as const;

/** Centre distance at which agent and obstacle touch. */
export const CONTACT_DISTANCE = COURSE.agentRadius + COURSE.obstacleRadius;

export const FORK_STATE_FIELDS = ["x", "y", "obstacle_x", "obstacle_y"] as const;

/** −1: the agent is (or passed) left of the obstacle, +1: right, 0: exactly aligned. */
export function sideOf(x: number, obstacleX: number): -1 | 0 | 1 {
  return x < obstacleX ? -1 : x > obstacleX ? 1 : 0;
}
