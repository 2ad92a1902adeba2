/**
 * Observation and action spaces: the one type and validator. Envs build them (`discreteSpace`/`boxSpace` in
 * envs/spaces.ts), the trainer stores them in policy specs, the API receives them (external projects).
 *
 * Plain JSON-describable data — numbers, strings and arrays only — so `JSON.parse(JSON.stringify(space))` gives
 * back an equal space; unbounded box limits are written as ±FLOAT32_MAX (envs/spaces.ts), never `Infinity`.
 */
import { z } from "zod";

/** `n` choices, written as the integers `0 … n-1`. */
export interface DiscreteSpace {
  readonly type: "discrete";
  readonly n: number;
  /** Optional human-readable name per choice, e.g. `["push left", "push right"]`. */
  readonly labels?: readonly string[];
}

/** A real vector of fixed `shape` (always 1-D here) with per-dimension bounds. */
export interface BoxSpace {
  readonly type: "box";
  readonly shape: readonly [number];
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** Optional name per dimension, e.g. `["steering"]`. */
  readonly labels?: readonly string[];
}

export type Space = DiscreteSpace | BoxSpace;

export const ZDiscreteSpace = z.object({
  type: z.literal("discrete"),
  n: z.int().min(1).max(1024),
  labels: z.array(z.string().max(100)).optional(),
});
export const ZBoxSpace = z
  .object({
    type: z.literal("box"),
    shape: z.tuple([z.int().min(1).max(4096)]),
    low: z.array(z.number()),
    high: z.array(z.number()),
    labels: z.array(z.string().max(100)).optional(),
  })
  .refine((s) => s.low.length === s.shape[0] && s.high.length === s.shape[0], "low and high must match shape")
  .refine((s) => s.low.every((lo, i) => lo <= (s.high[i] ?? Number.NaN)), "low must be ≤ high");
/** Validates a space; what it returns is a `Space`. */
export const ZSpace: z.ZodType<Space> = z.union([ZDiscreteSpace, ZBoxSpace]);
/** The name the API contracts use for `Space`. */
export type TSpace = Space;

export type TAction = number | number[];

/**
 * Validates an action against a space. Returns null when valid, else a message naming the problem.
 * Discrete: an integer in [0, n). Box: finite numbers, right length, within bounds.
 */
export function actionProblem(space: TSpace, action: unknown): string | null {
  if (space.type === "discrete") {
    if (typeof action !== "number" || !Number.isInteger(action)) return `must be an integer in [0, ${space.n})`;
    if (action < 0 || action >= space.n) return `${action} is out of range [0, ${space.n})`;
    return null;
  }
  const dim = space.shape[0];
  if (!Array.isArray(action)) return `must be an array of ${dim} numbers`;
  if (action.length !== dim) return `must have ${dim} elements, got ${action.length}`;
  for (let i = 0; i < dim; i++) {
    const v = action[i] as unknown;
    if (typeof v !== "number" || !Number.isFinite(v)) return `element ${i} must be a finite number`;
    if (v < (space.low[i] ?? -Infinity) || v > (space.high[i] ?? Infinity)) return `element ${i} (${v}) is outside [${space.low[i]}, ${space.high[i]}]`;
  }
  return null;
}
