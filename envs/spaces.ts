/**
 * Building observation and action spaces (`discreteSpace`, `boxSpace`) and checking an env's actions.
 *
 * The space types themselves — plain JSON-describable data — and their validator are defined once, in
 * contracts/spaces.ts, and re-exported here for the envs. Unbounded box limits are written as ±FLOAT32_MAX
 * (as Gymnasium does), never as `Infinity`, which JSON cannot carry.
 */
import type { BoxSpace, DiscreteSpace, Space } from "../contracts/spaces";

export type { BoxSpace, DiscreteSpace, Space } from "../contracts/spaces";

/** Largest finite float32, used as the bound of an "unbounded" box dimension (Gymnasium's convention). */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * An action as stored and sent around: an integer for a discrete space, a vector for a box.
 * Typed arrays (e.g. a `Float32Array` from a tensor) are accepted wherever an action is read.
 */
export type Action = number | readonly number[];

/** What `Env.step` accepts: a discrete integer or any array-like vector of numbers. */
export type ActionInput = number | ArrayLike<number>;

export function discreteSpace(n: number, labels?: readonly string[]): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new Error(`discreteSpace: n must be a positive integer, got ${n}`);
  if (labels !== undefined && labels.length !== n) {
    throw new Error(`discreteSpace: ${labels.length} labels for ${n} choices`);
  }
  return labels === undefined ? { type: "discrete", n } : { type: "discrete", n, labels };
}

export function boxSpace(low: readonly number[], high: readonly number[], labels?: readonly string[]): BoxSpace {
  if (low.length !== high.length || low.length === 0) {
    throw new Error(`boxSpace: low (${low.length}) and high (${high.length}) must have the same non-zero length`);
  }
  for (let i = 0; i < low.length; i++) {
    const lo = low[i] as number;
    const hi = high[i] as number;
    if (!(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new Error(`boxSpace: bad bounds [${lo}, ${hi}] in dimension ${i} (use ±FLOAT32_MAX for unbounded)`);
    }
  }
  if (labels !== undefined && labels.length !== low.length) {
    throw new Error(`boxSpace: ${labels.length} labels for ${low.length} dimensions`);
  }
  const space: BoxSpace = { type: "box", shape: [low.length], low: [...low], high: [...high] };
  return labels === undefined ? space : { ...space, labels: [...labels] };
}

/** Number of scalars needed to write one element of the space (1 for discrete). */
export function spaceSize(space: Space): number {
  return space.type === "discrete" ? 1 : space.shape[0];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  return typeof value === "number" ? String(value) : typeof value;
}

/**
 * Checks a discrete action and returns it as an integer.
 * @throws Error naming the env, what was expected and what was given.
 */
export function checkDiscreteAction(envId: string, space: DiscreteSpace, action: unknown): number {
  if (typeof action !== "number" || !Number.isInteger(action) || action < 0 || action >= space.n) {
    throw new Error(
      `${envId}: invalid action ${describe(action)}; expected an integer in 0..${space.n - 1} (discrete(${space.n}))`,
    );
  }
  return action;
}

/**
 * Checks a box action's shape and finiteness (not its range: like Gymnasium, each env decides how
 * out-of-range values are clipped). Returns the action, unchanged, as an array-like.
 * @throws Error for a non-array, a wrong length, or a non-finite element.
 */
export function checkBoxAction(envId: string, space: BoxSpace, action: unknown): ArrayLike<number> {
  const d = space.shape[0];
  if (typeof action !== "object" || action === null || typeof (action as ArrayLike<number>).length !== "number") {
    throw new Error(`${envId}: invalid action ${describe(action)}; expected an array of ${d} finite number(s)`);
  }
  const vec = action as ArrayLike<number>;
  if (vec.length !== d) {
    throw new Error(`${envId}: invalid action ${describe(action)}; expected an array of ${d} finite number(s)`);
  }
  for (let i = 0; i < d; i++) {
    const v = vec[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${envId}: invalid action element ${i} = ${String(v)}; expected a finite number`);
    }
  }
  return vec;
}

/**
 * What an env's `step` accepts (see the two checks above): a box action of the right length and finite, even
 * outside its bounds — envs clip it, as Gymnasium's do. Not to be confused with validating a person's or a
 * client's action, which must lie within the bounds: `actionProblem` in contracts/spaces.ts.
 */
export function checkStepAction(envId: string, space: Space, action: unknown): void {
  if (space.type === "discrete") checkDiscreteAction(envId, space, action);
  else checkBoxAction(envId, space, action);
}

/** Clamps a box action into its bounds (returns a new array). Discrete actions are returned as is. */
export function clipAction(space: Space, action: Action): Action {
  if (space.type === "discrete" || typeof action === "number") return action;
  return action.map((v, i) => Math.min(Math.max(v, space.low[i] as number), space.high[i] as number));
}
