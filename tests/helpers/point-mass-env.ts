/**
 * A TypeScript environment that is not one of Corrective's built-ins, standing in for a user's own simulator in
 * the TypeScript client's tests: a point mass on a rail, pushed left / not / right, rewarded for every step it
 * spends within 0.1 of the origin (100 steps). Gymnasium-shaped, with a PD expert and an 8×8 RGB render.
 */
import { mulberry32 } from "../../trainer/random";
import type { GymEnv } from "../../clients/typescript/src/index";

export const POINT_MASS_SPACES = {
  observationSpace: { type: "box" as const, shape: [2] as [number], low: [-2, -2], high: [2, 2] },
  actionSpace: { type: "discrete" as const, n: 3 },
};
const STEPS = 100;

export class PointMass implements GymEnv<number[]> {
  private x = 0;
  private v = 0;
  private t = 0;

  reset(options: { seed?: number } = {}): [number[], Record<string, unknown>] {
    const rng = mulberry32(options.seed ?? 0);
    this.x = rng() * 3 - 1.5;
    this.v = rng() * 0.4 - 0.2;
    this.t = 0;
    return [[this.x, this.v], { state: [this.x, this.v] }];
  }

  step(action: number | number[]): [number[], number, boolean, boolean, Record<string, unknown>] {
    const force = (Number(action) - 1) * 0.05;
    this.v = Math.max(-2, Math.min(2, 0.95 * this.v + force));
    this.x = Math.max(-2, Math.min(2, this.x + this.v));
    this.t++;
    const reward = Math.abs(this.x) < 0.1 ? 1 : 0;
    return [[this.x, this.v], reward, false, this.t >= STEPS, { state: [this.x, this.v], success: Math.abs(this.x) < 0.1 }];
  }

  render(): { data: Uint8Array; width: number; height: number } {
    const data = new Uint8Array(8 * 8 * 3).fill(255);
    const col = Math.max(0, Math.min(7, Math.round(((this.x + 2) / 4) * 7)));
    for (let row = 0; row < 8; row++) data.set([30, 30, 200], (row * 8 + col) * 3);
    return { data, width: 8, height: 8 };
  }
}

/** Proportional-derivative control, thresholded to a push either way (the middle action is never the answer). */
export function pointMassExpert(state: readonly number[]): number {
  const u = -(1.0 * (state[0] ?? 0) + 6.0 * (state[1] ?? 0));
  return u > 0 ? 2 : 0;
}
