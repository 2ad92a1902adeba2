/** Observation/action spaces as they cross the API (the same plain shapes `envs/` uses). */
import { z } from "zod";

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
export const ZSpace = z.union([ZDiscreteSpace, ZBoxSpace]);
export type TSpace = z.infer<typeof ZSpace>;

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

// --- Image observations (Gymnasium `Dict` / LeRobot `observation.images.*`) -------------------------------------

/**
 * One camera: Gymnasium's `Box(0, 255, [H, W, C], uint8)`, written as JSON with scalar bounds. C is 1 (grey),
 * 3 (RGB) or 4 (RGBA); H and W from 8 to 512 (a policy's input, not a photograph: robomimic and Diffusion
 * Policy train at 84–240 px).
 */
export const ZImageSpace = z.object({
  type: z.literal("box"),
  dtype: z.literal("uint8"),
  shape: z.tuple([z.int().min(8).max(512), z.int().min(8).max(512), z.union([z.literal(1), z.literal(3), z.literal(4)])]),
  low: z.literal(0),
  high: z.literal(255),
});
export type TImageSpace = z.infer<typeof ZImageSpace>;

/** Observation keys: short identifiers (`image`, `front`, `wrist_cam`); `state` is the proprioceptive vector. */
export const OBSERVATION_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const STATE_KEY = "state";

/**
 * Gymnasium's `Dict` observation space as used by visuomotor policies: one or more cameras (image boxes) and
 * optionally a `state` vector, e.g. `{ image: Box(0, 255, [64, 64, 3], uint8), state: Box(1) }`. At most 8 cameras.
 */
export const ZDictSpace = z
  .object({
    type: z.literal("dict"),
    spaces: z.record(z.string().regex(OBSERVATION_KEY_RE, "a key is a short identifier (letters, digits, _ . -)"), z.union([ZImageSpace, ZBoxSpace])),
  })
  .superRefine((s, ctx) => {
    const cameras = Object.entries(s.spaces).filter(([, v]) => isImageSpace(v));
    if (cameras.length === 0) ctx.addIssue({ code: "custom", path: ["spaces"], message: "a dict observation needs at least one image (a uint8 [H, W, C] box)" });
    if (cameras.length > 8) ctx.addIssue({ code: "custom", path: ["spaces"], message: "at most 8 cameras" });
    for (const [key, v] of Object.entries(s.spaces)) {
      if (key === STATE_KEY && isImageSpace(v)) ctx.addIssue({ code: "custom", path: ["spaces", key], message: "`state` is the state vector, not an image" });
      if (key !== STATE_KEY && !isImageSpace(v)) ctx.addIssue({ code: "custom", path: ["spaces", key], message: "only `state` may be a vector; other keys are images" });
    }
  });
export type TDictSpace = z.infer<typeof ZDictSpace>;

/** Any observation space: a vector, or a dict of images and a state vector. */
export const ZObservationSpace = z.discriminatedUnion("type", [ZDictSpace, ZDiscreteSpace, ZBoxSpace]);
export type TObservationSpace = z.infer<typeof ZObservationSpace>;

export function isImageSpace(space: unknown): space is TImageSpace {
  return typeof space === "object" && space !== null && (space as { dtype?: unknown }).dtype === "uint8";
}

/** The cameras of an observation space, in key order (none for a vector space). */
export function cameraKeys(space: TObservationSpace): string[] {
  return space.type === "dict" ? Object.keys(space.spaces).filter((k) => isImageSpace(space.spaces[k])).sort() : [];
}

/** Length of the numeric part of an observation: the vector, or a dict's `state` (0 without one). */
export function stateDim(space: TObservationSpace): number {
  if (space.type === "dict") {
    const state = space.spaces[STATE_KEY];
    return state && !isImageSpace(state) ? state.shape[0] : 0;
  }
  return space.type === "box" ? space.shape[0] : 1;
}

/**
 * Checks the shape of an observation as an upload carries it: a vector of numbers for a vector space; for a dict,
 * an object with the `state` vector and, per camera, a reference to an uploaded image (a frame id). Returns null
 * when it fits, else `[field, message]` with the field relative to the observation (`image`, `state.2`).
 */
export function observationProblem(space: TObservationSpace, obs: unknown): [string, string] | null {
  if (space.type !== "dict") {
    const dim = stateDim(space);
    if (!Array.isArray(obs)) return ["", `must be an array of ${dim} numbers`];
    if (obs.length !== dim) return ["", `must have ${dim} elements, got ${obs.length}`];
    return null;
  }
  if (typeof obs !== "object" || obs === null || Array.isArray(obs)) return ["", `must be an object with keys ${Object.keys(space.spaces).sort().join(", ")}`];
  const value = obs as Record<string, unknown>;
  for (const key of Object.keys(value)) if (!(key in space.spaces)) return [key, "is not a key of the observation space"];
  for (const [key, sub] of Object.entries(space.spaces)) {
    const v = value[key];
    if (isImageSpace(sub)) {
      if (typeof v !== "string" || !UUID_RE.test(v)) return [key, `must be the id of an uploaded PNG frame of ${sub.shape.join("×")} pixels`];
    } else {
      if (!Array.isArray(v)) return [key, `must be an array of ${sub.shape[0]} numbers`];
      if (v.length !== sub.shape[0]) return [key, `must have ${sub.shape[0]} elements, got ${v.length}`];
      const bad = v.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
      if (bad >= 0) return [`${key}.${bad}`, "must be a finite number"];
    }
  }
  return null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Channels of a PNG colour type (grey, RGB, grey+alpha, RGBA). Palette PNGs (type 3) are refused: the bytes are indices, not pixels. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Checks that `bytes` are a PNG of exactly the camera's `[H, W, C]` with 8-bit samples (what the policy will be
 * fed), from the PNG header alone. Null when it fits, else what is wrong. JPEG is refused: its lossy pixels would
 * not be the pixels the policy saw.
 */
export function pngImageProblem(space: TImageSpace, bytes: Uint8Array): string | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || !sig.every((b, i) => bytes[i] === b)) return "is not a PNG image";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return "is not a PNG image (no IHDR header)";
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24]!;
  const channels = PNG_CHANNELS[bytes[25]!];
  const [h, w, c] = space.shape;
  if (height !== h || width !== w) return `is ${height}×${width} pixels; the space says ${h}×${w}`;
  if (depth !== 8) return `has ${depth}-bit samples; images must be 8-bit`;
  if (bytes[25] === 3) return "is a palette PNG; save it as RGB (colour type 2) or grey";
  if (channels !== c) return `has ${channels ?? "unknown"} channel(s); the space says ${c}`;
  return null;
}
