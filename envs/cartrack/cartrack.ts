/**
 * CarTrack-v0: a top-down car on a closed track, steered continuously, observed through range
 * finders. The canonical imitation-learning demo: a behaviour-cloned driver that only saw the expert
 * near the centreline drifts off it, meets states it never saw, and leaves the road; DAgger's labels
 * on those states teach it to recover.
 *
 * Dynamics (dt = 0.05 s): kinematic bicycle with a first-order steering lag, speed-dependent
 * understeer, a cruise controller that slows in hard turns, and a random "drift" yaw disturbance
 * (a mean-reverting process, like gusts or a slippery surface) that keeps pushing the car off line,
 * so small policy errors compound unless the policy knows how to recover.
 */
import { BaseEnv } from "../env";
import type { EnvOptions, EnvSpec, RenderContext, RenderOverlay, ResetOptions } from "../env";
import { Prng } from "../prng";
import { boxSpace, checkBoxAction } from "../spaces";
import type { ActionInput } from "../spaces";
import { CAR, CARTRACK_STATE_FIELDS, RAY_ANGLES } from "./car";
import { renderCarTrack } from "./render";
import { HALF_WIDTH, NUM_TRACKS, RAY_RANGE, getTrack, wrapAngle } from "./track";
import type { Projection, Track } from "./track";

const ACTION_SPACE = boxSpace([-1], [1], ["steering"]);

const OBSERVATION_FIELDS = [
  ...RAY_ANGLES.map((a) => `ray(${Math.round((a * 180) / Math.PI)}°)`),
  "speed",
  "heading_error",
  "lateral_offset",
  "steer",
];

export const CARTRACK_SPEC: EnvSpec = {
  id: "CarTrack-v0",
  description:
    "Top-down car on a closed track (8 seeded layouts), continuous steering, 9 range finders. Reward: % of a lap gained per step; ends when the car leaves the road.",
  source: "corrective",
  observationSpace: boxSpace(
    [...RAY_ANGLES.map(() => 0), 0, -Math.PI, -2, -1],
    [...RAY_ANGLES.map(() => 1), 1.5, Math.PI, 2, 1],
    OBSERVATION_FIELDS,
  ),
  observationFields: OBSERVATION_FIELDS,
  actionSpace: ACTION_SPACE,
  stateFields: CARTRACK_STATE_FIELDS,
  maxEpisodeSteps: 1000,
  dt: CAR.dt,
  hasExpert: true,
  referenceReturns: { random: 6.84, expert: 156.12 },
  rewardThreshold: null,
};

/** What distinguishes the CarTrack versions. */
export interface CarTrackVariant {
  readonly spec: EnvSpec;
  /** Half the road width, metres: the car leaves the road beyond it. */
  readonly halfWidth: number;
  /** Cruise speed on a straight, m/s. */
  readonly cruiseSpeed: number;
  /**
   * Actuation noise: each step the steering command gets U(−n, n) added (in action units) before the
   * lag, drawn from the episode's own noise PRNG, so it is reproducible per seed. 0 for v0.
   */
  readonly actuationNoise: number;
}

export const CARTRACK_V0: CarTrackVariant = { spec: CARTRACK_SPEC, halfWidth: HALF_WIDTH, cruiseSpeed: CAR.cruiseSpeed, actuationNoise: 0 };

/**
 * Env options: `drift` scales the drift disturbance (default 1; 0 makes v0's dynamics deterministic), `noise`
 * scales a variant's steering noise (default 1; 0 with `drift: 0` makes v1's deterministic too).
 * Reset options: `track` (0…7; default: drawn from the env's PRNG).
 */
export class CarTrackEnv extends BaseEnv {
  /** The variant's spec, road, speed and noise (subclasses observe it differently: CarTrackPixels). */
  protected readonly variant: CarTrackVariant;
  private track: Track;
  private x = 0;
  private y = 0;
  private heading = 0;
  private speed = 0;
  private steer = 0;
  private drift = 0;
  /** Metres driven along the centreline since the episode start (negative when going backwards). */
  private progress = 0;
  private noise = new Prng(0);
  private readonly driftScale: number;
  private readonly actuationNoise: number;
  /** Cached projection of (x, y) onto the centreline. */
  private readonly proj: Projection = { segment: 0, s: 0, offset: 0, tangent: 0 };
  private readonly rays = new Float64Array(RAY_ANGLES.length);

  constructor(options?: EnvOptions, variant: CarTrackVariant = CARTRACK_V0) {
    super(variant.spec, options);
    this.variant = variant;
    const drift = options?.drift ?? 1;
    if (typeof drift !== "number" || !Number.isFinite(drift) || drift < 0) {
      throw new Error(`${variant.spec.id}: option "drift" must be a non-negative number, got ${String(drift)}`);
    }
    this.driftScale = drift;
    const noise = options?.noise ?? 1;
    if (typeof noise !== "number" || !Number.isFinite(noise) || noise < 0) {
      throw new Error(`${variant.spec.id}: option "noise" must be a non-negative number, got ${String(noise)}`);
    }
    this.actuationNoise = variant.actuationNoise * noise;
    this.track = getTrack(0, variant.halfWidth);
  }

  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const requested = options["track"];
    if (requested !== undefined && (typeof requested !== "number" || !Number.isInteger(requested))) {
      throw new Error(`${this.spec.id}: reset option "track" must be an integer in 0..${NUM_TRACKS - 1}`);
    }
    this.track = getTrack(requested ?? rng.int(NUM_TRACKS), this.variant.halfWidth);
    const s0 = rng.uniform(0, this.track.length);
    const start = this.track.pointAt(s0);
    const offset = rng.uniform(-0.5, 0.5);
    const nx = -Math.sin(start.tangent);
    const ny = Math.cos(start.tangent);
    this.x = start.x + nx * offset;
    this.y = start.y + ny * offset;
    this.heading = wrapAngle(start.tangent + rng.uniform(-0.05, 0.05));
    this.speed = this.variant.cruiseSpeed;
    this.steer = 0;
    this.drift = 0;
    this.progress = 0;
    this.noise = new Prng(rng.nextUint32());
    this.track.project(this.x, this.y, -1, 0, this.proj);
  }

  protected advance(action: ActionInput): number {
    let a = checkBoxAction(this.spec.id, ACTION_SPACE, action)[0] as number;
    const { cruiseSpeed, halfWidth } = this.variant;
    const actuationNoise = this.actuationNoise;
    // v0 draws nothing here, so its noise sequence (and every v0 episode) is unchanged.
    if (actuationNoise > 0) a += actuationNoise * (2 * this.noise.next() - 1);
    const command = (a < -1 ? -1 : a > 1 ? 1 : a) * CAR.maxSteer;
    this.steer += (command - this.steer) * CAR.steerGain;
    const vTarget = cruiseSpeed * (1 - (CAR.turnSlowdown * Math.abs(this.steer)) / CAR.maxSteer);
    const v = this.speed + ((vTarget - this.speed) * CAR.dt) / CAR.speedTau;
    this.speed = v;
    this.drift = CAR.driftRho * this.drift + this.driftScale * CAR.driftSigma * (2 * this.noise.next() - 1);
    const yawRate = (v * Math.tan(this.steer)) / CAR.wheelbase / (1 + CAR.understeer * v * v) + this.drift;
    this.heading = wrapAngle(this.heading + yawRate * CAR.dt);
    this.x += v * Math.cos(this.heading) * CAR.dt;
    this.y += v * Math.sin(this.heading) * CAR.dt;

    const track = this.track;
    const sOld = this.proj.s;
    track.project(this.x, this.y, this.proj.segment, 3, this.proj);
    let ds = this.proj.s - sOld;
    if (ds > track.length / 2) ds -= track.length;
    else if (ds < -track.length / 2) ds += track.length;
    this.progress += ds;
    this.terminatedFlag = Math.abs(this.proj.offset) > halfWidth;
    return (100 * ds) / track.length;
  }

  protected override stepInfo(): Record<string, unknown> {
    const lap = this.progress / this.track.length;
    return {
      track: this.track.index,
      lapProgress: lap,
      lapCompletion: lap < 0 ? 0 : lap > 1 ? 1 : lap,
      lapsCompleted: lap > 0 ? Math.floor(lap) : 0,
      lateralOffset: this.proj.offset,
      offRoad: this.terminatedFlag,
    };
  }

  observe(): number[] {
    const track = this.track;
    track.castRays(this.x, this.y, this.heading, this.proj.segment, RAY_ANGLES, this.rays);
    const r = this.rays;
    return [
      (r[0] as number) / RAY_RANGE,
      (r[1] as number) / RAY_RANGE,
      (r[2] as number) / RAY_RANGE,
      (r[3] as number) / RAY_RANGE,
      (r[4] as number) / RAY_RANGE,
      (r[5] as number) / RAY_RANGE,
      (r[6] as number) / RAY_RANGE,
      (r[7] as number) / RAY_RANGE,
      (r[8] as number) / RAY_RANGE,
      this.speed / this.variant.cruiseSpeed,
      wrapAngle(this.heading - this.proj.tangent),
      this.proj.offset / this.variant.halfWidth,
      this.steer / CAR.maxSteer,
    ];
  }

  protected readState(): number[] {
    return [
      this.track.index,
      this.x,
      this.y,
      this.heading,
      this.speed,
      this.steer,
      this.drift,
      this.progress,
      this.noise.state,
    ];
  }

  protected writeState(state: readonly number[]): void {
    const [track, x, y, heading, speed, steer, drift, progress, noise] = state as readonly number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const nextTrack = getTrack(track, this.variant.halfWidth); // both validate before anything changes
    const nextNoise = Prng.fromState(noise);
    this.track = nextTrack;
    this.noise = nextNoise;
    this.x = x;
    this.y = y;
    this.heading = heading;
    this.speed = speed;
    this.steer = steer;
    this.drift = drift;
    this.progress = progress;
    this.track.project(x, y, -1, 0, this.proj);
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderCarTrack(ctx, state, overlay, this.variant.halfWidth);
  }
}

export const CARTRACK_V1_SPEC: EnvSpec = {
  ...CARTRACK_SPEC,
  id: "CarTrack-v1",
  description:
    "CarTrack, harder: road 5 m wide instead of 8, 16 m/s instead of 12, and noisy steering (±0.25 per step, seeded). Small errors compound: a driver that never saw its own mistakes leaves the road.",
  referenceReturns: { random: 5.06, expert: 207.11 },
};

export const CARTRACK_V1: CarTrackVariant = { spec: CARTRACK_V1_SPEC, halfWidth: 2.5, cruiseSpeed: 16, actuationNoise: 0.25 };
