/**
 * MountainCar-v0, a float64 port of Gymnasium 1.4.0 (`mountain_car.py`), following
 * `shared/reference/gymnasium/CONSTANTS.md`: semi-implicit Euler, inelastic left wall, -1 per step,
 * goal at 0.5, time limit 200. Plus an energy-pumping expert and the hill renderer (shared with
 * MountainCarContinuous-v0).
 */
import { BaseEnv, numberOption } from "../env";
import type { EnvOptions, EnvSpec, Expert, RenderContext, RenderOverlay, ResetOptions } from "../env";
import type { Prng } from "../prng";
import { COLORS, beginFrame, drawArrow, fillCircle, strokeLine } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import type { OverlayItem } from "../render/overlay";
import { boxSpace, checkDiscreteAction, discreteSpace } from "../spaces";
import type { ActionInput } from "../spaces";

export const MOUNTAIN_CAR_MIN_POSITION = -1.2;
export const MOUNTAIN_CAR_MAX_POSITION = 0.6;
export const MOUNTAIN_CAR_MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;

const ACTION_SPACE = discreteSpace(3, ["accelerate left", "no push", "accelerate right"]);

export const MOUNTAIN_CAR_SPEC: EnvSpec = {
  id: "MountainCar-v0",
  description:
    "Drive an under-powered car up the right hill (position ≥ 0.5) by rocking back and forth. -1 per step, 200 steps at most.",
  source: "gymnasium-1.4.0",
  observationSpace: boxSpace(
    [MOUNTAIN_CAR_MIN_POSITION, -MOUNTAIN_CAR_MAX_SPEED].map(Math.fround),
    [MOUNTAIN_CAR_MAX_POSITION, MOUNTAIN_CAR_MAX_SPEED].map(Math.fround),
    ["position", "velocity"],
  ),
  observationFields: ["position", "velocity"],
  actionSpace: ACTION_SPACE,
  stateFields: ["position", "velocity"],
  maxEpisodeSteps: 200,
  dt: 1 / 30,
  hasExpert: true,
  referenceReturns: { random: -200, expert: -111.85 },
  rewardThreshold: -110,
};

export class MountainCarEnv extends BaseEnv {
  private position = 0;
  private velocity = 0;

  constructor(options?: EnvOptions) {
    super(MOUNTAIN_CAR_SPEC, options);
  }

  protected sampleInitialState(rng: Prng, options: ResetOptions): void {
    const low = numberOption(this.spec.id, options, "low", -0.6);
    const high = numberOption(this.spec.id, options, "high", -0.4);
    this.position = rng.uniform(low, high);
    this.velocity = 0;
  }

  protected advance(action: ActionInput): number {
    if (action !== 0 && action !== 1 && action !== 2) checkDiscreteAction(this.spec.id, ACTION_SPACE, action);
    const a = action as number;
    let v = this.velocity + ((a - 1) * FORCE + Math.cos(3 * this.position) * -GRAVITY);
    v = Math.min(Math.max(v, -MOUNTAIN_CAR_MAX_SPEED), MOUNTAIN_CAR_MAX_SPEED);
    const p = Math.min(Math.max(this.position + v, MOUNTAIN_CAR_MIN_POSITION), MOUNTAIN_CAR_MAX_POSITION);
    if (p === MOUNTAIN_CAR_MIN_POSITION && v < 0) v = 0;
    this.position = p;
    this.velocity = v;
    this.terminatedFlag = p >= GOAL_POSITION && v >= GOAL_VELOCITY;
    return -1.0;
  }

  observe(): number[] {
    return [Math.fround(this.position), Math.fround(this.velocity)];
  }

  protected readState(): number[] {
    return [this.position, this.velocity];
  }

  protected writeState(state: readonly number[]): void {
    [this.position, this.velocity] = state as [number, number];
  }

  protected draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    renderMountainCar(ctx, state, overlay, GOAL_POSITION, (item) => actionComponent(item.action) - 1);
  }
}

/**
 * Energy pumping: accelerate in the direction the car moves, so every swing adds energy until it clears
 * the right hill. The switching line `v = 0.01·(p + 0.48)` instead of `v = 0` makes a car starting at
 * rest right of the valley swing left first, which saves a few steps (tuned on seeds 0..199).
 */
export function mountainCarExpertAction(state: readonly number[]): 0 | 2 {
  const position = state[0] ?? 0;
  const velocity = state[1] ?? 0;
  return velocity >= 0.01 * (position + 0.48) ? 2 : 0;
}

export function createMountainCarExpert(): Expert {
  return {
    envId: MOUNTAIN_CAR_SPEC.id,
    score: {
      metric: "mean return",
      value: -115,
      episodes: 20,
      description: "Energy pumping: push along the velocity, switching on the line v = 0.01·(p + 0.48).",
    },
    reset: () => undefined,
    act: mountainCarExpertAction,
  };
}

/** Height of the hill at `position`, as Gymnasium draws it. */
function hillHeight(position: number): number {
  return Math.sin(3 * position) * 0.45 + 0.55;
}

/**
 * Draws the hill, the goal flag at `goal` and the car at `state[0]`. Each overlay item becomes an
 * arrow along the slope whose signed length is `push(item)` in [-1, 1] (0 draws a dot).
 */
export function renderMountainCar(
  ctx: RenderContext,
  state: readonly number[],
  overlay: RenderOverlay,
  goal: number,
  push: (item: OverlayItem) => number,
): void {
  const { width, height } = beginFrame(ctx);
  const position = state[0] ?? 0;
  const span = MOUNTAIN_CAR_MAX_POSITION - MOUNTAIN_CAR_MIN_POSITION;
  const scale = width / span;
  const toX = (p: number): number => (p - MOUNTAIN_CAR_MIN_POSITION) * scale;
  const toY = (h: number): number => height * 0.95 - h * height * 0.6;

  // Hill.
  ctx.strokeStyle = COLORS.ground;
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (let i = 0; i <= 100; i++) {
    const p = MOUNTAIN_CAR_MIN_POSITION + (span * i) / 100;
    if (i === 0) ctx.moveTo(toX(p), toY(hillHeight(p)));
    else ctx.lineTo(toX(p), toY(hillHeight(p)));
  }
  ctx.stroke();
  // Goal flag.
  const gx = toX(goal);
  const gy = toY(hillHeight(goal));
  strokeLine(ctx, gx, gy, gx, gy - 40, COLORS.ground, 2);
  ctx.fillStyle = COLORS.goal;
  ctx.beginPath();
  ctx.moveTo(gx, gy - 40);
  ctx.lineTo(gx + 22, gy - 34);
  ctx.lineTo(gx, gy - 28);
  ctx.closePath();
  ctx.fill();

  // Car: a box tilted with the slope, drawn above the surface.
  const slope = Math.atan(Math.cos(3 * position) * 3 * 0.45 * ((height * 0.6) / scale));
  const cx = toX(position);
  const cy = toY(hillHeight(position));
  const carW = Math.max(24, width * 0.07);
  const carH = carW * 0.45;
  ctx.save();
  ctx.translate(cx, cy);
  ctx.rotate(-slope);
  ctx.fillStyle = COLORS.body;
  ctx.fillRect(-carW / 2, -carH - carH * 0.35, carW, carH);
  fillCircle(ctx, -carW * 0.3, -carH * 0.3, carH * 0.35, COLORS.ground);
  fillCircle(ctx, carW * 0.3, -carH * 0.3, carH * 0.35, COLORS.ground);
  // Overlays in the car's frame: arrows along the slope above the car.
  for (const item of overlayItems(overlay)) {
    const f = Math.max(-1, Math.min(1, push(item)));
    const y = -carH * 2.1 - item.slot * 14;
    if (Math.abs(f) < 1e-3) fillCircle(ctx, 0, y, 5, item.color);
    else drawArrow(ctx, 0, y, f * carW * 1.4, y, item.color, 4);
  }
  ctx.restore();
  drawOverlayLegend(ctx, overlay);
}
