/**
 * How actions look and are entered in the browser: names for each env's actions, keyboard mappings for
 * discrete spaces, and helpers for box (continuous) values.
 */
import type { TSpace } from "@/contracts/spaces";

const DISCRETE_NAMES: Record<string, string[]> = {
  "CartPole-v1": ["Push left", "Push right"],
  "MountainCar-v0": ["Accelerate left", "Coast", "Accelerate right"],
  "Acrobot-v1": ["Torque −1", "Torque 0", "Torque +1"],
};
const BOX_NAMES: Record<string, string[]> = {
  "Pendulum-v1": ["Torque"],
  "MountainCarContinuous-v0": ["Force"],
  "CarTrack-v0": ["Steering"],
  "Fork-v0": ["Lateral speed"],
  "CarTrack-v1": ["Steering"],
  "Fork-v1": ["Lateral speed"],
};

export function actionNames(envId: string | null, space: TSpace): string[] {
  if (space.type === "discrete") {
    const named = (envId && DISCRETE_NAMES[envId]) || space.labels;
    return Array.from({ length: space.n }, (_, i) => named?.[i] ?? `Action ${i}`);
  }
  const named = (envId && BOX_NAMES[envId]) || space.labels;
  return Array.from({ length: space.shape[0] }, (_, i) => named?.[i] ?? `a[${i}]`);
}

/** Discrete: which action an arrow key means (Left = first, Right = last, Down/Up = the middle one of three). */
export function arrowAction(key: string, n: number): number | null {
  if (key === "ArrowLeft") return 0;
  if (key === "ArrowRight") return n - 1;
  if ((key === "ArrowDown" || key === "ArrowUp") && n === 3) return 1;
  if (key === "ArrowDown" && n > 3) return Math.floor(n / 2);
  return null;
}

/** Discrete: digit keys 1..9 (and 0 for the tenth) choose an action. */
export function digitAction(key: string, n: number): number | null {
  if (!/^[0-9]$/.test(key)) return null;
  const i = key === "0" ? 9 : Number(key) - 1;
  return i < n ? i : null;
}

export function boxMid(space: Extract<TSpace, { type: "box" }>): number[] {
  return space.low.map((lo, i) => {
    const hi = space.high[i] ?? lo;
    return lo <= 0 && hi >= 0 ? 0 : (lo + hi) / 2;
  });
}

export function clampBox(space: Extract<TSpace, { type: "box" }>, v: readonly number[]): number[] {
  return v.map((x, i) => Math.min(space.high[i] ?? x, Math.max(space.low[i] ?? x, x)));
}

/** Rounds to a sensible number of decimals for display and for the label (1/1000 of the range). */
export function roundBox(space: Extract<TSpace, { type: "box" }>, v: readonly number[]): number[] {
  return v.map((x, i) => {
    const range = (space.high[i] ?? 1) - (space.low[i] ?? 0);
    const step = range / 1000;
    return step > 0 ? Math.round(x / step) * step : x;
  }).map((x) => Number(x.toFixed(6)));
}

export function formatAction(space: TSpace, a: number | number[] | null | undefined, names: string[]): string {
  if (a === null || a === undefined) return "—";
  if (typeof a === "number") return space.type === "discrete" ? (names[a] ?? String(a)) : a.toFixed(2);
  return a.map((x) => x.toFixed(2)).join(", ");
}

/** Is the keyboard event aimed at a text field (where shortcuts must not fire)? */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !["range", "checkbox", "radio", "button"].includes(target.type);
  return false;
}
