/**
 * Running a Gymnasium-shaped environment with a policy: `reset({ seed })` → `[obs, info]`,
 * `step(action)` → `[obs, reward, terminated, truncated, info]`, optional `render()` → an RGB image.
 * Observations are vectors, or for robots with cameras Gymnasium `Dict`s `{ state: [...], <camera>: pixels }`
 * (each camera `H × W × C` uint8, flat or nested): the policy gets the env's dict, and each step keeps a copy.
 */
import { mulberry32 } from "../../../trainer/random";
import type { RgbImage } from "./png";

export type Action = number | number[];
export type Info = Record<string, unknown>;

export interface GymEnv<Obs = ArrayLike<number>> {
  reset(options?: { seed?: number }): [Obs, Info] | Promise<[Obs, Info]>;
  step(action: Action): [Obs, number, boolean, boolean, Info] | Promise<[Obs, number, boolean, boolean, Info]>;
  render?(): RgbImage | Uint8Array | null | undefined | Promise<RgbImage | Uint8Array | null | undefined>;
}

/** A Dict observation as a step keeps it: `state` as numbers, each camera's pixels copied flat (`H·W·C`, row-major). */
export type DictObservation = Record<string, number[] | Uint8Array>;
/** What a step observed: a vector, or a Dict of cameras and `state`. */
export type Observation = readonly number[] | DictObservation;

export interface Actor {
  act(observation: ArrayLike<number> | Readonly<Record<string, unknown>>, options?: { deterministic?: boolean; rng?: () => number }): Action;
}

/**
 * One step. `O` is how the step's observation is typed: `number[]` for vector envs (the default), `DictObservation`
 * for camera envs (`collect<DictObservation>(…)`, or inferred from the expert's parameter).
 */
export interface Step<O = number[]> {
  observation: O;
  /** What the env executed: the policy's action, the expert's under β-mixing, or the person's when they intervened. */
  action: Action;
  policyAction: Action | null;
  reward: number | null;
  state: number[] | null;
  frame: RgbImage | Uint8Array | null;
  intervention: boolean;
}

export interface Episode<O = number[]> {
  /** Client-generated rollout id: re-sending it stores nothing new. */
  id: string;
  seed: number | null;
  steps: Step<O>[];
  totalReturn: number;
  success: boolean | null;
  terminated: boolean;
}

export interface RunOptions<O = number[]> {
  seed: number | null;
  id: string;
  maxSteps?: number;
  expert?: (observation: O) => Action;
  beta?: number;
  /** A person's takeover: an action, or null to let the robot act (HG-DAgger). */
  intervene?: (observation: O, proposed: Action | null) => Action | null | undefined;
  rng?: () => number;
  render?: boolean;
  deterministic?: boolean;
}

const vector = (x: unknown): number[] | null => {
  if (x === null || x === undefined || typeof x === "string") return null;
  const a = Array.from(x as ArrayLike<number>, Number);
  return a.length && a.every(Number.isFinite) ? a : null;
};

const plain = (a: Action | ArrayLike<number>): Action => (typeof a === "number" ? a : Array.from(a as ArrayLike<number>, Number));

const isDict = (obs: unknown): obs is Readonly<Record<string, unknown>> =>
  typeof obs === "object" && obs !== null && !Array.isArray(obs) && !ArrayBuffer.isView(obs) && typeof (obs as { length?: unknown }).length !== "number";

/** A copy of an observation: numbers for vectors and `state`; each camera's values flat (a copy: envs reuse buffers). */
export function recordObservation(obs: unknown): Observation {
  if (!isDict(obs)) return Array.from(obs as ArrayLike<number>, Number);
  const out: DictObservation = {};
  for (const [key, v] of Object.entries(obs)) {
    if (key === "state") out[key] = Array.from(v as ArrayLike<number>, Number);
    else if (v instanceof Uint8Array) out[key] = v.slice();
    else if (Array.isArray(v)) out[key] = (v as unknown[]).flat(Infinity) as number[];
    else if (ArrayBuffer.isView(v)) out[key] = Array.from(v as unknown as ArrayLike<number>, Number);
  }
  return out;
}

export async function runEpisode<O = number[]>(env: GymEnv<unknown>, policy: Actor | null, opts: RunOptions<O>): Promise<Episode<O>> {
  const rng = opts.rng ?? mulberry32(opts.seed ?? 0);
  let [obs, info] = await env.reset(opts.seed === null ? {} : { seed: opts.seed });
  const ep: Episode<O> = { id: opts.id, seed: opts.seed, steps: [], totalReturn: 0, success: null, terminated: false };
  for (let t = 0; opts.maxSteps === undefined || t < opts.maxSteps; t++) {
    const observation = recordObservation(obs) as O;
    const frame = opts.render && env.render ? ((await env.render()) ?? null) : null;
    // The policy sees what the env gave (a Dict's pixels as the env shaped them); experts and people the copy.
    const seen = Array.isArray(observation) ? (observation as number[]) : (obs as Readonly<Record<string, unknown>>);
    const proposed = policy ? plain(policy.act(seen, { deterministic: opts.deterministic ?? true, rng })) : null;
    let taken = proposed;
    let intervention = false;
    if (opts.expert && (proposed === null || ((opts.beta ?? 0) > 0 && rng() < (opts.beta ?? 0)))) taken = plain(opts.expert(observation));
    const human = opts.intervene?.(observation, proposed);
    if (human !== null && human !== undefined) [taken, intervention] = [plain(human), true];
    if (taken === null) throw new Error("runEpisode needs a policy or an expert");
    const state = vector((info as Info).state);
    const [next, reward, terminated, truncated, nextInfo] = await env.step(taken);
    ep.steps.push({ observation, action: taken, policyAction: proposed, reward, state, frame, intervention });
    ep.totalReturn += reward;
    [obs, info] = [next, nextInfo];
    if (terminated || truncated) {
      ep.terminated = terminated;
      break;
    }
  }
  const s = (info as Info).is_success ?? (info as Info).success;
  ep.success = s === undefined ? null : Boolean(s);
  return ep;
}

/** RFC 4122 version-5 UUID (SHA-1, via Web Crypto: Node ≥ 20 and browsers). */
export async function uuidV5(name: string, namespace: string): Promise<string> {
  const ns = namespace.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16));
  const bytes = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes)).slice(0, 16);
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The same namespace as the Python client: a rollout collected by either for (project, round, seed) has one id. */
export const ROLLOUT_NAMESPACE = "6f6a1e4c-3b1d-4c2e-9a57-1c0de5ca1e00";
export const rolloutId = (projectId: string, roundIndex: number | null, seed: number | null) =>
  roundIndex === null || seed === null ? Promise.resolve(crypto.randomUUID()) : uuidV5(`${projectId}/${roundIndex}/${seed}`, ROLLOUT_NAMESPACE);
export const frameId = (rollout: string, t: number) => uuidV5(`frame/${t}`, rollout);
/** The frame id of camera `camera`'s image at step `t` (the Python client's `image_frame_id`). */
export const imageFrameId = (rollout: string, t: number, camera: string) => uuidV5(`obs/${t}/${camera}`, rollout);

/** Splits rollouts into request-sized groups of at most `maxSteps` steps (a longer rollout goes alone). */
export function* chunkBySteps<T extends { steps: readonly unknown[] }>(items: readonly T[], maxSteps: number): Generator<T[]> {
  let batch: T[] = [];
  let steps = 0;
  for (const item of items) {
    if (batch.length && steps + item.steps.length > maxSteps) {
      yield batch;
      [batch, steps] = [[], 0];
    }
    batch.push(item);
    steps += item.steps.length;
  }
  if (batch.length) yield batch;
}
