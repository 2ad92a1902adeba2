/**
 * Pendulum-v1, a float64 port of Gymnasium 1.4.0 (`pendulum.py`), following
 * `shared/reference/gymnasium/CONSTANTS.md`: g = 10, semi-implicit Euler, unwrapped theta, cost from
 * the pre-step state and the clipped torque with NumPy's floored modulo, no termination, 200 steps.
 */
import { BaseEnv, numberOption } from "../env";
import type { EnvOptions, EnvSpec, Expert, RenderContext, RenderOverlay, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { COLORS, beginFrame, drawArcArrow, fillCircle, strokeLine } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { boxSpace, checkBoxAction } from "../spaces";
import type { ActionInput } from "../spaces";

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;
const TWO_PI = 2 * Math.PI;

const ACTION_SPACE = boxSpace([-MAX_TORQUE], [MAX_TORQUE], ["torque"]);

export const PENDULUM_SPEC: EnvSpec = {
  id: "Pendulum-v1",
  description:
    "Swing a pendulum up and keep it upright with a limited torque. Reward −(angle² + 0.1·speed² + 0.001·torque²) per step, 200 steps.",
  source: "gymnasium-1.4.0",
  observationSpace: boxSpace([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED], ["cos(theta)", "sin(theta)", "theta_dot"]),
  observationFields: ["cos(theta)", "sin(theta)", "theta_dot"],
  actionSpace: ACTION_SPACE,
  stateFields: ["theta", "theta_dot"],
  maxEpisodeSteps: 200,
  dt: DT,
  hasExpert: true,
  referenceReturns: { random: -1090.1, expert: -106.88 },
  rewardThreshold: null,
};

/** `((x + π) mod 2π) − π` with NumPy's floored remainder (the result of `mod` has the divisor's sign). */
export function angleNormalize(x: number): number {
  let r = (x + Math.PI) % TWO_PI;
  if (r !== 0 && r < 0) r += TWO_PI;
  return r - Math.PI;
}

export class PendulumEnv extends BaseEnv {
  private theta = 0;
  private thetaDot = 0;

  constructor(options?: EnvOptions) {
    super(PENDULUM_SPEC, options);
  }

  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const x = numberOption(this.spec.id, options, "x_init", Math.PI);
    const y = numberOption(this.spec.id, options, "y_init", 1.0);
    this.theta = rng.uniform(-x, x);
    this.thetaDot = rng.uniform(-y, y);
  }

  protected advance(action: ActionInput): number {
    const raw = checkBoxAction(this.spec.id, ACTION_SPACE, action)[0] as number;
    const u = Math.min(Math.max(raw, -MAX_TORQUE), MAX_TORQUE);
    const th = this.theta;
    const thdot = this.thetaDot;
    const an = angleNormalize(th);
    const cost = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    let newThdot = thdot + (((3 * G) / (2 * L)) * Math.sin(th) + (3.0 / (M * L * L)) * u) * DT;
    newThdot = Math.min(Math.max(newThdot, -MAX_SPEED), MAX_SPEED);
    this.theta = th + newThdot * DT;
    this.thetaDot = newThdot;
    this.terminatedFlag = false;
    return -cost;
  }

  observe(): number[] {
    return [Math.fround(Math.cos(this.theta)), Math.fround(Math.sin(this.theta)), Math.fround(this.thetaDot)];
  }

  protected readState(): number[] {
    return [this.theta, this.thetaDot];
  }

  protected writeState(state: readonly number[]): void {
    [this.theta, this.thetaDot] = state as [number, number];
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderPendulum(ctx, state, overlay);
  }
}

/**
 * Swing-up by energy shaping, then a saturated PD balance near the top.
 * With θ = 0 upright, θ̈ = 15 sin θ + 3u and the energy E = ½θ̇² + 15 cos θ (15 when balanced at rest);
 * dE/dt = 3uθ̇, so full torque along θ̇ pumps energy in. Close to the top (where the torque limit
 * can still catch the pendulum) a PD law takes over.
 */
export function pendulumExpertAction(state: readonly number[]): number[] {
  const th = angleNormalize(state[0] ?? 0);
  const thdot = state[1] ?? 0;
  const energy = 0.5 * thdot * thdot + 15 * Math.cos(th);
  let u: number;
  if (Math.abs(th) < 0.9 && Math.abs(15 * th + 3 * thdot) < 14) {
    u = -(10 * th + 2.2 * thdot);
  } else if (energy < 15) {
    u = thdot >= 0 ? MAX_TORQUE : -MAX_TORQUE;
    if (Math.abs(thdot) < 1e-6) u = th >= 0 ? -MAX_TORQUE : MAX_TORQUE;
  } else {
    u = -0.5 * thdot; // too much energy: brake gently
  }
  return [Math.min(Math.max(u, -MAX_TORQUE), MAX_TORQUE)];
}

export function createPendulumExpert(): Expert {
  return {
    envId: PENDULUM_SPEC.id,
    score: {
      metric: "mean return",
      value: -150,
      episodes: 20,
      description: "Energy-shaping swing-up (full torque along the velocity) and a saturated PD balance at the top.",
    },
    reset: () => undefined,
    act: pendulumExpertAction,
  };
}

/** Draws the rod (θ = 0 up), the pivot, and each overlay torque as an arc arrow (length ∝ torque). */
export function renderPendulum(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay = {}): void {
  const { width, height } = beginFrame(ctx);
  const theta = state[0] ?? 0;
  const cx = width / 2;
  const cy = height / 2;
  const len = Math.min(width, height) * 0.36;
  // θ is measured from upright; positive θ̇ turns counter-clockwise in Gymnasium's picture.
  const tipX = cx - len * Math.sin(theta);
  const tipY = cy - len * Math.cos(theta);
  strokeLine(ctx, cx, cy, tipX, tipY, COLORS.accent, Math.max(6, len * 0.12));
  fillCircle(ctx, tipX, tipY, Math.max(4, len * 0.08), COLORS.accent);
  fillCircle(ctx, cx, cy, Math.max(3, len * 0.05), COLORS.ground);
  for (const item of overlayItems(overlay)) {
    const u = Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, actionComponent(item.action)));
    const r = len * (0.3 + 0.12 * item.slot);
    // Positive torque accelerates θ, i.e. counter-clockwise on screen (negative canvas sweep).
    drawArcArrow(ctx, cx, cy, r, -Math.PI / 2, (-u / MAX_TORQUE) * Math.PI * 0.75, item.color, 4);
    if (Math.abs(u) < 1e-3) fillCircle(ctx, cx, cy - r, 4, item.color);
  }
  drawOverlayLegend(ctx, overlay);
}
