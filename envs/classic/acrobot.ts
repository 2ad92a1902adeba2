/**
 * Acrobot-v1, a float64 port of Gymnasium 1.4.0 (`acrobot.py`), following
 * `shared/reference/gymnasium/CONSTANTS.md`: "book" dynamics, one RK4 step of 0.2 s per env step,
 * angles wrapped into [-π, π] and velocities clipped only after the step, float32 reset state,
 * reward -1 per step and 0 on the terminating step, time limit 500.
 */
import { BaseEnv, numberOption } from "../env";
import type { EnvOptions, EnvSpec, Expert, RenderContext, RenderOverlay, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { COLORS, beginFrame, drawArcArrow, fillCircle, strokeLine } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { boxSpace, checkDiscreteAction, discreteSpace } from "../spaces";
import type { ActionInput } from "../spaces";

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_LENGTH_2 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1] as const;

const ACTION_SPACE = discreteSpace(3, ["torque -1", "torque 0", "torque +1"]);

export const ACROBOT_SPEC: EnvSpec = {
  id: "Acrobot-v1",
  description:
    "Swing the tip of a two-link pendulum, actuated only at the middle joint, above one link length over the pivot. -1 per step, 500 steps at most.",
  source: "gymnasium-1.4.0",
  observationSpace: boxSpace(
    [-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2].map(Math.fround),
    [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2].map(Math.fround),
    ["cos(theta1)", "sin(theta1)", "cos(theta2)", "sin(theta2)", "theta1_dot", "theta2_dot"],
  ),
  observationFields: ["cos(theta1)", "sin(theta1)", "cos(theta2)", "sin(theta2)", "theta1_dot", "theta2_dot"],
  actionSpace: ACTION_SPACE,
  stateFields: ["theta1", "theta2", "theta1_dot", "theta2_dot"],
  maxEpisodeSteps: 500,
  dt: DT,
  hasExpert: true,
  referenceReturns: { random: -500, expert: -88.9 },
  rewardThreshold: -100,
};

/** Scratch buffers for the RK4 step (the env is single-threaded; avoids 20 allocations per step). */
const K1 = new Float64Array(4);
const K2 = new Float64Array(4);
const K3 = new Float64Array(4);
const K4 = new Float64Array(4);

/** The "book" derivative of (θ1, θ2, θ̇1, θ̇2) under torque `a`, written into `out`. */
function derivatives(t1: number, t2: number, w1: number, w2: number, a: number, out: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = 9.8;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(t2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(t2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(t1 + t2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (w2 * w2) * Math.sin(t2) -
    2 * m2 * l1 * lc2 * w2 * w1 * Math.sin(t2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(t1 - Math.PI / 2) +
    phi2;
  const ddt2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (w1 * w1) * Math.sin(t2) - phi2) / (m2 * lc2 ** 2 + I2 - (d2 * d2) / d1);
  const ddt1 = -(d2 * ddt2 + phi1) / d1;
  out[0] = w1;
  out[1] = w2;
  out[2] = ddt1;
  out[3] = ddt2;
}

/** Wraps into [m, M] by repeated shifts of M − m (±π themselves stay). */
function wrap(x: number, m: number, big: number): number {
  const diff = big - m;
  while (x > big) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

export class AcrobotEnv extends BaseEnv {
  /** θ1, θ2 (relative to link 1), θ̇1, θ̇2. */
  private s = new Float64Array(4);

  constructor(options?: EnvOptions) {
    super(ACROBOT_SPEC, options);
  }

  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const low = numberOption(this.spec.id, options, "low", -0.1);
    const high = numberOption(this.spec.id, options, "high", 0.1);
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(rng.uniform(low, high));
  }

  protected advance(action: ActionInput): number {
    if (action !== 0 && action !== 1 && action !== 2) checkDiscreteAction(this.spec.id, ACTION_SPACE, action);
    const torque = AVAIL_TORQUE[action as 0 | 1 | 2];
    const s = this.s;
    const y0 = s[0] as number;
    const y1 = s[1] as number;
    const y2 = s[2] as number;
    const y3 = s[3] as number;
    const h = DT;
    const h2 = h / 2.0;
    derivatives(y0, y1, y2, y3, torque, K1);
    derivatives(
      y0 + h2 * (K1[0] as number),
      y1 + h2 * (K1[1] as number),
      y2 + h2 * (K1[2] as number),
      y3 + h2 * (K1[3] as number),
      torque,
      K2,
    );
    derivatives(
      y0 + h2 * (K2[0] as number),
      y1 + h2 * (K2[1] as number),
      y2 + h2 * (K2[2] as number),
      y3 + h2 * (K2[3] as number),
      torque,
      K3,
    );
    derivatives(
      y0 + h * (K3[0] as number),
      y1 + h * (K3[1] as number),
      y2 + h * (K3[2] as number),
      y3 + h * (K3[3] as number),
      torque,
      K4,
    );
    const c = h / 6.0;
    const n0 = y0 + c * ((K1[0] as number) + 2 * (K2[0] as number) + 2 * (K3[0] as number) + (K4[0] as number));
    const n1 = y1 + c * ((K1[1] as number) + 2 * (K2[1] as number) + 2 * (K3[1] as number) + (K4[1] as number));
    const n2 = y2 + c * ((K1[2] as number) + 2 * (K2[2] as number) + 2 * (K3[2] as number) + (K4[2] as number));
    const n3 = y3 + c * ((K1[3] as number) + 2 * (K2[3] as number) + 2 * (K3[3] as number) + (K4[3] as number));
    s[0] = wrap(n0, -Math.PI, Math.PI);
    s[1] = wrap(n1, -Math.PI, Math.PI);
    s[2] = Math.min(Math.max(n2, -MAX_VEL_1), MAX_VEL_1);
    s[3] = Math.min(Math.max(n3, -MAX_VEL_2), MAX_VEL_2);
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    this.terminatedFlag = terminated;
    return terminated ? 0.0 : -1.0;
  }

  observe(): number[] {
    const [t1, t2, w1, w2] = this.s as unknown as [number, number, number, number];
    return [
      Math.fround(Math.cos(t1)),
      Math.fround(Math.sin(t1)),
      Math.fround(Math.cos(t2)),
      Math.fround(Math.sin(t2)),
      Math.fround(w1),
      Math.fround(w2),
    ];
  }

  protected readState(): number[] {
    return Array.from(this.s);
  }

  protected writeState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i] as number;
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderAcrobot(ctx, state, overlay);
  }
}

/**
 * Energy pumping: drive the lower link towards `θ2* = −4·atan(θ̇1)`, i.e. fold it against link 1's
 * swing, with bang-bang torque (a little damping on θ̇2). Tuned on seeds 0..199: every episode reaches
 * the goal (longest 194 steps), also from wider starts (reset bounds ±1.5).
 */
export function acrobotExpertAction(state: readonly number[]): 0 | 2 {
  const [, theta2 = 0, theta1Dot = 0, theta2Dot = 0] = state;
  const u = -4 * Math.atan(theta1Dot) - theta2 - 0.1 * theta2Dot;
  return u > 0 ? 2 : 0;
}

export function createAcrobotExpert(): Expert {
  return {
    envId: ACROBOT_SPEC.id,
    score: {
      metric: "mean return",
      value: -100,
      episodes: 20,
      description: "Energy pumping: bang-bang torque folding link 2 against link 1's swing (θ2* = −4·atan(θ̇1)).",
    },
    reset: () => undefined,
    act: acrobotExpertAction,
  };
}

/** Draws both links (θ1 = 0 hanging down), the goal line one link above the pivot, and overlay torques at the middle joint. */
export function renderAcrobot(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay = {}): void {
  const { width, height } = beginFrame(ctx);
  const [t1 = 0, t2 = 0] = state;
  const scale = Math.min(width, height) / (2 * (LINK_LENGTH_1 + LINK_LENGTH_2) + 0.4);
  const cx = width / 2;
  const cy = height / 2;
  // Points in world coordinates with y up: p1 = (l1 sin θ1, −l1 cos θ1).
  const p1x = LINK_LENGTH_1 * Math.sin(t1);
  const p1y = -LINK_LENGTH_1 * Math.cos(t1);
  const p2x = p1x + LINK_LENGTH_2 * Math.sin(t1 + t2);
  const p2y = p1y - LINK_LENGTH_2 * Math.cos(t1 + t2);
  const sx = (x: number): number => cx + x * scale;
  const sy = (y: number): number => cy - y * scale;
  // Goal line: the tip must get above y = +1.
  ctx.setLineDash([8, 6]);
  strokeLine(ctx, 0, sy(1), width, sy(1), COLORS.goal, 2);
  ctx.setLineDash([]);
  strokeLine(ctx, sx(0), sy(0), sx(p1x), sy(p1y), COLORS.body, Math.max(5, scale * 0.12));
  strokeLine(ctx, sx(p1x), sy(p1y), sx(p2x), sy(p2y), COLORS.body, Math.max(5, scale * 0.12));
  fillCircle(ctx, sx(0), sy(0), Math.max(4, scale * 0.07), COLORS.ground);
  fillCircle(ctx, sx(p1x), sy(p1y), Math.max(4, scale * 0.07), "#e0c040");
  fillCircle(ctx, sx(p2x), sy(p2y), Math.max(3, scale * 0.05), COLORS.accent);
  for (const item of overlayItems(overlay)) {
    const torque = AVAIL_TORQUE[Math.round(actionComponent(item.action)) as 0 | 1 | 2] ?? 0;
    const r = scale * (0.25 + 0.1 * item.slot);
    if (torque === 0) fillCircle(ctx, sx(p1x), sy(p1y) - r, 4, item.color);
    // Positive torque increases θ2: counter-clockwise on screen.
    else drawArcArrow(ctx, sx(p1x), sy(p1y), r, -Math.PI / 2, -torque * Math.PI * 0.6, item.color, 4);
  }
  drawOverlayLegend(ctx, overlay);
}
