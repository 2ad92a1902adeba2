/**
 * The CarTrack car: its constants, the range-finder layout and the state vector layout, shared by
 * the env, the expert and the renderer.
 */

export const CAR = {
  dt: 0.05,
  /** Distance between the axles, metres. */
  wheelbase: 2.6,
  /** Wheel angle at full steering (action ±1), radians. */
  maxSteer: 0.45,
  /** Steering lag: the wheel angle moves this fraction of the way to the command each step (τ = 0.15 s). */
  steerGain: 0.05 / 0.15,
  /** Understeer gradient: yaw rate is divided by (1 + k·v²). */
  understeer: 0.002,
  /** Cruise speed on a straight, m/s. */
  cruiseSpeed: 12,
  /** Fraction of cruise speed lost at full steering lock. */
  turnSlowdown: 0.35,
  /** Speed controller time constant, s. */
  speedTau: 1.0,
  /** Drift disturbance: d ← ρ·d + σ·U(−1, 1) per step, rad/s (stationary std ≈ 0.1 rad/s). */
  driftRho: 0.98,
  driftSigma: 0.035,
} as const;

/** Range-finder directions relative to the car's heading, radians (left positive). */
export const RAY_ANGLES: readonly number[] = [-90, -60, -35, -15, 0, 15, 35, 60, 90].map((d) => (d * Math.PI) / 180);

export const CARTRACK_STATE_FIELDS = [
  "track",
  "x",
  "y",
  "heading",
  "speed",
  "steer",
  "drift",
  "progress",
  "noise_rng",
] as const;

