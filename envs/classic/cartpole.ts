/**
 * CartPole-v1, a float64 port of Gymnasium 1.4.0 (`gymnasium/envs/classic_control/cartpole.py`),
 * following `shared/reference/gymnasium/CONSTANTS.md`: explicit Euler, +1 reward on every step
 * including the terminating one, time limit 500. Plus a balancing expert and a renderer.
 */
import { BaseEnv, numberOption } from "../env";
import type { EnvOptions, EnvSpec, Expert, RenderContext, RenderOverlay, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { COLORS, beginFrame, drawArrow, fillCircle, strokeLine } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { FLOAT32_MAX, boxSpace, checkDiscreteAction, discreteSpace } from "../spaces";
import type { ActionInput } from "../spaces";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART; // 1.1, computed as Gymnasium does
const LENGTH = 0.5; // half the pole length
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
/** 12 degrees, evaluated left to right as in Gymnasium: 0.20943951023931953. */
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_X_THRESHOLD = 2.4;

const ACTION_SPACE = discreteSpace(2, ["push left", "push right"]);

export const CARTPOLE_SPEC: EnvSpec = {
  id: "CartPole-v1",
  description:
    "Balance a pole on a cart by pushing the cart left or right. +1 per step; ends when the pole tilts past 12° or the cart leaves ±2.4.",
  source: "gymnasium-1.4.0",
  observationSpace: boxSpace(
    [-CARTPOLE_X_THRESHOLD * 2, -FLOAT32_MAX, -CARTPOLE_THETA_THRESHOLD * 2, -FLOAT32_MAX].map(Math.fround),
    [CARTPOLE_X_THRESHOLD * 2, FLOAT32_MAX, CARTPOLE_THETA_THRESHOLD * 2, FLOAT32_MAX].map(Math.fround),
    ["x", "x_dot", "theta", "theta_dot"],
  ),
  observationFields: ["x", "x_dot", "theta", "theta_dot"],
  actionSpace: ACTION_SPACE,
  stateFields: ["x", "x_dot", "theta", "theta_dot"],
  maxEpisodeSteps: 500,
  dt: TAU,
  hasExpert: true,
  referenceReturns: { random: 22.6, expert: 500 },
  rewardThreshold: 475,
};

export class CartPoleEnv extends BaseEnv {
  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;

  constructor(options?: EnvOptions) {
    super(CARTPOLE_SPEC, options);
  }

  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const low = numberOption(this.spec.id, options, "low", -0.05);
    const high = numberOption(this.spec.id, options, "high", 0.05);
    this.x = rng.uniform(low, high);
    this.xDot = rng.uniform(low, high);
    this.theta = rng.uniform(low, high);
    this.thetaDot = rng.uniform(low, high);
  }

  protected advance(action: ActionInput): number {
    if (action !== 0 && action !== 1) checkDiscreteAction(this.spec.id, ACTION_SPACE, action);
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const { x, xDot, theta, thetaDot } = this;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * s) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * s - c * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * (c * c)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * c) / TOTAL_MASS;
    this.x = x + TAU * xDot;
    this.xDot = xDot + TAU * xAcc;
    this.theta = theta + TAU * thetaDot;
    this.thetaDot = thetaDot + TAU * thetaAcc;
    this.terminatedFlag =
      this.x < -CARTPOLE_X_THRESHOLD ||
      this.x > CARTPOLE_X_THRESHOLD ||
      this.theta < -CARTPOLE_THETA_THRESHOLD ||
      this.theta > CARTPOLE_THETA_THRESHOLD;
    return 1.0;
  }

  observe(): number[] {
    return [Math.fround(this.x), Math.fround(this.xDot), Math.fround(this.theta), Math.fround(this.thetaDot)];
  }

  protected readState(): number[] {
    return [this.x, this.xDot, this.theta, this.thetaDot];
  }

  protected writeState(state: readonly number[]): void {
    [this.x, this.xDot, this.theta, this.thetaDot] = state as [number, number, number, number];
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderCartPole(ctx, state, overlay);
  }
}

/**
 * Full-state linear feedback (gains from an LQR design on the linearised dynamics), thresholded into
 * the two discrete pushes. Balances from every reset state for the whole 500 steps and recovers from
 * tilts up to about ±10° near the centre.
 */
const EXPERT_GAINS = [1.0, 1.6, 18.0, 3.0] as const;

export function cartPoleExpertAction(state: readonly number[]): 0 | 1 {
  const [x = 0, xDot = 0, theta = 0, thetaDot = 0] = state;
  const u = EXPERT_GAINS[0] * x + EXPERT_GAINS[1] * xDot + EXPERT_GAINS[2] * theta + EXPERT_GAINS[3] * thetaDot;
  return u > 0 ? 1 : 0;
}

export function createCartPoleExpert(): Expert {
  return {
    envId: CARTPOLE_SPEC.id,
    score: {
      metric: "mean return",
      value: 500,
      episodes: 20,
      description: "Thresholded linear state feedback (LQR-style gains on x, x_dot, theta, theta_dot).",
    },
    reset: () => undefined,
    act: cartPoleExpertAction,
  };
}

/** Draws the cart, the pole, the track limits and overlay pushes (arrows left/right of the cart). */
export function renderCartPole(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay = {}): void {
  const { width, height } = beginFrame(ctx);
  const [x = 0, , theta = 0] = state;
  const worldWidth = CARTPOLE_X_THRESHOLD * 2 * 1.1;
  const scale = width / worldWidth;
  const trackY = height * 0.7;
  const cartW = 0.5 * scale;
  const cartH = 0.3 * scale;
  const poleLen = 2 * LENGTH * scale;
  const cx = width / 2 + x * scale;

  // Track and its limits.
  strokeLine(ctx, 0, trackY, width, trackY, COLORS.ground, 2);
  for (const limit of [-CARTPOLE_X_THRESHOLD, CARTPOLE_X_THRESHOLD]) {
    const lx = width / 2 + limit * scale;
    strokeLine(ctx, lx, trackY - 12, lx, trackY + 12, COLORS.accent, 3);
  }
  // Cart.
  ctx.fillStyle = COLORS.ground;
  ctx.fillRect(cx - cartW / 2, trackY - cartH / 2, cartW, cartH);
  // Pole (theta = 0 upright, positive = leaning right).
  const pivotY = trackY - cartH / 4;
  const tipX = cx + poleLen * Math.sin(theta);
  const tipY = pivotY - poleLen * Math.cos(theta);
  strokeLine(ctx, cx, pivotY, tipX, tipY, Math.abs(theta) > CARTPOLE_THETA_THRESHOLD ? COLORS.accent : "#ca9865", Math.max(4, 0.1 * scale));
  fillCircle(ctx, cx, pivotY, Math.max(3, 0.05 * scale), COLORS.body);

  // Overlays: a push arrow per proposed action, stacked below the track.
  for (const item of overlayItems(overlay)) {
    const dir = actionComponent(item.action) === 1 ? 1 : -1;
    const y = trackY + cartH * 0.9 + item.slot * 16;
    drawArrow(ctx, cx, y, cx + dir * cartW * 1.2, y, item.color, 4);
  }
  drawOverlayLegend(ctx, overlay);
}
