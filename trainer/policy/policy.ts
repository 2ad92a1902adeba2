/**
 * A loaded policy: `act(obs)` for one state, `actBatch(observations)` for many, each with an
 * uncertainty estimate. Runs on plain arrays (see mlp.ts) — no tfjs backend, synchronous.
 *
 * Uncertainty:
 * - ensemble (N > 1 members trained on bootstrap resamples): member disagreement —
 *   box actions: mean over dimensions of the std of the members' deterministic actions in normalised
 *   `[-1, 1]` units; discrete: mean total-variation distance of each member's action distribution
 *   from the ensemble mean (0 = all agree, → 1 = all disagree).
 * - single network: the head's own predictive spread (`spread`, see heads/types.ts).
 *
 * Ensemble actions: deterministic — discrete: majority vote; box: the medoid of the members' actions
 * (the member action closest to all others: multimodal members are never averaged into a mode-less
 * mean). Stochastic — a uniformly chosen member samples from its distribution.
 *
 * Browser-safe.
 */
import { decodePolicyBlob } from "./blob";
import { convEncoderFromArtifacts } from "./conv";
import { createHead, type HeadOutput, type PolicyHead } from "./heads";
import { denseStackFromArtifacts, type DenseStack } from "./dense";
import { denormalizeAction, normalizeObservations } from "./normalize";
import { type TPolicySpec } from "../../contracts/policy-spec";
import { actionDim, headInputDim } from "./spec";
import { encoderNetIndex } from "./encoder-layout";
import type { Rng } from "../random";

export interface ActOptions {
  /** Most likely action (default true) or a sample from the policy's distribution. */
  readonly deterministic?: boolean;
  /** Source of randomness for sampling (default Math.random). */
  readonly rng?: Rng;
}

export interface PolicyAction {
  /** Discrete: an integer; box: a vector in env units, clipped to the bounds. */
  readonly action: number | number[];
  readonly uncertainty: number;
  readonly spread: number;
}

export interface PolicyBatch {
  readonly actions: Array<number | number[]>;
  /** `[batch]` see the module comment. */
  readonly uncertainty: Float32Array;
  /** `[batch]` the head's own predictive spread, averaged over members. */
  readonly spread: Float32Array;
}

/**
 * An image policy's observation, as a Gymnasium `Dict`: the state vector under `state` and each camera's
 * `H × W × C` row-major pixels (0–255; a Uint8Array, a flat array, or nested `[H][W][C]` arrays) under
 * its name.
 */
export type DictObservation = Readonly<Record<string, unknown>>;

/** A state vector (MLP policies) or a Dict observation (image policies). */
export type ObservationInput = ArrayLike<number> | DictObservation;

/**
 * What a policy needs of a camera's image encoder: `[batch × H × W × C]` pixels (0–255) →
 * `[batch × featureDim]` features. conv.ts' plain-JS {@link ConvEncoder} by default; a faster
 * equivalent (tf-acting.ts: the same weights on a tfjs backend) can stand in, see {@link Policy.withEncoders}.
 */
export interface ImageEncoder {
  forward(pixels: ArrayLike<number>, batch: number): Float32Array;
}

interface Member {
  readonly nets: readonly DenseStack[];
  readonly extras: ReadonlyMap<string, Float32Array>;
  /** One per camera (image policies). */
  readonly encoders: readonly ImageEncoder[];
}

export class Policy {
  readonly head: PolicyHead;
  readonly obsDim: number;
  readonly actDim: number;

  private constructor(
    readonly spec: TPolicySpec,
    private readonly members: readonly Member[],
    readonly meta: Readonly<Record<string, unknown>>,
  ) {
    this.head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
    this.obsDim = spec.obsDim;
    this.actDim = actionDim(spec.actionSpace);
  }

  /** Loads a policy blob (see blob.ts). */
  static fromBlob(blob: Uint8Array): Policy {
    const decoded = decodePolicyBlob(blob);
    const { spec, extras, meta } = decoded.header;
    const head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
    const members: Member[] = [];
    for (let m = 0; m < spec.ensembleSize; m++) {
      const nets = head.nets.map((shape, i) => {
        const stack = denseStackFromArtifacts(decoded.net(m, i));
        if (stack.inputDim !== shape.inputDim || stack.outputDim !== shape.outputDim) {
          throw new Error(`policy blob: member ${m} net ${i} is ${stack.inputDim}→${stack.outputDim}, expected ${shape.inputDim}→${shape.outputDim}`);
        }
        return stack;
      });
      const ex = new Map<string, Float32Array>();
      for (const p of head.extras) {
        const found = extras.find((e) => e.member === m && e.name === p.name);
        if (found === undefined || found.values.length !== p.size) throw new Error(`policy blob: member ${m} lacks ${p.name}`);
        ex.set(p.name, Float32Array.from(found.values));
      }
      const encoders = (spec.vision?.cameras ?? []).map((camera, c) => {
        const at = encoderNetIndex(head.nets.length, c);
        return convEncoderFromArtifacts(camera.shape, spec.vision!.encoder, decoded.net(m, at.conv), decoded.net(m, at.projection));
      });
      members.push({ nets, extras: ex, encoders });
    }
    return new Policy(spec, members, meta);
  }

  /**
   * The same policy with other image encoders: `encoders[member][camera]` (same shapes as this policy's).
   * The heads, normalisation and action selection stay this policy's plain-JS code.
   */
  withEncoders(encoders: ReadonlyArray<ReadonlyArray<ImageEncoder>>): Policy {
    if (encoders.length !== this.members.length || encoders.some((e, m) => e.length !== (this.members[m] as Member).encoders.length)) {
      throw new Error("withEncoders: one encoder per member and camera");
    }
    return new Policy(this.spec, this.members.map((m, i) => ({ ...m, encoders: encoders[i] as ImageEncoder[] })), this.meta);
  }

  get ensembleSize(): number {
    return this.members.length;
  }

  /** Whether the policy sees images (its observations are Dicts, see {@link DictObservation}). */
  get isVisual(): boolean {
    return this.spec.vision !== undefined;
  }

  act(observation: ObservationInput, options: ActOptions = {}): PolicyAction {
    const out = this.actBatch([observation], options);
    return {
      action: out.actions[0] as number | number[],
      uncertainty: out.uncertainty[0] as number,
      spread: out.spread[0] as number,
    };
  }

  /**
   * Acts on `batch` observations: an array of vectors, or a flat `[batch × obsDim]` array; for image
   * policies an array of Dict observations.
   */
  actBatch(observations: ReadonlyArray<ObservationInput> | Float32Array, options: ActOptions = {}): PolicyBatch {
    let images: Uint8Array[] = [];
    let flat: Float32Array;
    let batch: number;
    if (this.spec.vision !== undefined) {
      if (observations instanceof Float32Array) throw new Error("actBatch: this policy sees images; pass Dict observations { state, <camera>: pixels }");
      ({ state: flat, images } = splitDictObservations(this.spec, observations));
      batch = observations.length;
    } else {
      flat = observations instanceof Float32Array ? observations : flatten(observations as ReadonlyArray<ArrayLike<number>>, this.obsDim);
      batch = flat.length / this.obsDim;
    }
    if (!Number.isInteger(batch)) throw new Error(`actBatch: ${flat.length} values is not a multiple of obsDim ${this.obsDim}`);
    if (batch === 0) return { actions: [], uncertainty: new Float32Array(0), spread: new Float32Array(0) };
    const deterministic = options.deterministic ?? true;
    const rng = options.rng ?? Math.random;
    const state = normalizeObservations(this.spec.normalization, flat, batch);
    // Image policies: each member's own encoders turn pixels into features, fused with the state.
    const inputsOf = new Map<Member, Float32Array>();
    const headInputs = (member: Member): Float32Array => {
      if (member.encoders.length === 0) return state;
      let x = inputsOf.get(member);
      if (x === undefined) {
        x = fuseFeatures(member.encoders.map((e, c) => e.forward(images[c] as Uint8Array, batch)), state, batch);
        inputsOf.set(member, x);
      }
      return x;
    };
    const run = (member: Member, det: boolean): HeadOutput =>
      this.head.act({
        batch,
        obs: headInputs(member),
        forward: (net, input, b) => (member.nets[net] as DenseStack).forward(input, b),
        extras: member.extras,
        deterministic: det,
        rng,
      });
    const discrete = this.spec.actionSpace.type === "discrete";
    const d = this.actDim;
    const M = this.members.length;
    // One pass for a single network (its spread comes with the actions; for the diffusion head a pass
    // is a whole denoising chain), deterministic passes of every member plus a sampled one otherwise.
    const detOut = M === 1 ? [run(this.members[0] as Member, deterministic)] : this.members.map((m) => run(m, true));
    const spread = new Float32Array(batch);
    for (const o of detOut) for (let i = 0; i < batch; i++) spread[i] = (spread[i] as number) + (o.spread[i] as number) / M;

    let chosen: Float32Array; // normalised actions (box) or indices (discrete), [batch × d]
    let uncertainty: Float32Array;
    if (M === 1) {
      chosen = (detOut[0] as HeadOutput).actions;
      uncertainty = spread;
    } else {
      uncertainty = discrete ? tvDisagreement(detOut, batch) : stdDisagreement(detOut, batch, d);
      if (deterministic) {
        chosen = discrete ? majorityVote(detOut, batch) : medoid(detOut, batch, d);
      } else {
        const sampled = this.members.map((m) => run(m, false));
        chosen = new Float32Array(batch * d);
        for (let i = 0; i < batch; i++) {
          const m = Math.min(Math.floor(rng() * M), M - 1);
          chosen.set((sampled[m] as HeadOutput).actions.subarray(i * d, (i + 1) * d), i * d);
        }
      }
    }
    const actions: Array<number | number[]> = [];
    for (let i = 0; i < batch; i++) {
      if (discrete) actions.push(chosen[i] as number);
      else actions.push(denormalizeAction(this.spec.normalization, this.spec.actionSpace, chosen.subarray(i * d, (i + 1) * d)));
    }
    return { actions, uncertainty, spread };
  }
}

/** `[batch × f_c]` per camera and `[batch × d]` state → `[batch × (Σ f_c + d)]`, row by row. */
function fuseFeatures(features: readonly Float32Array[], state: Float32Array, batch: number): Float32Array {
  const parts = [...features, state];
  const widths = parts.map((p) => p.length / batch);
  const width = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(batch * width);
  for (let i = 0; i < batch; i++) {
    let o = i * width;
    parts.forEach((p, k) => {
      const w = widths[k] as number;
      out.set(p.subarray(i * w, (i + 1) * w), o);
      o += w;
    });
  }
  return out;
}

/** Dict observations → the flat state `[batch × obsDim]` and per camera `[batch × H·W·C]` bytes. */
export function splitDictObservations(spec: Pick<TPolicySpec, "obsDim" | "vision">, rows: ReadonlyArray<ObservationInput>): { state: Float32Array; images: Uint8Array[] } {
  const cameras: ReadonlyArray<{ name: string; shape: readonly [number, number, number] }> = spec.vision?.cameras ?? [];
  const batch = rows.length;
  const state = new Float32Array(batch * spec.obsDim);
  const images = cameras.map((c) => new Uint8Array(batch * c.shape[0] * c.shape[1] * c.shape[2]));
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null || ArrayBuffer.isView(row) || Array.isArray(row)) throw new Error(`actBatch: observation ${i} is not a Dict { state, <camera>: pixels }`);
    const dict = row as DictObservation;
    // Camera-only policies (obsDim 0) need no `state` key.
    if (spec.obsDim > 0 || dict["state"] !== undefined) {
      const s = flatNumbers(dict["state"], `observation ${i} "state"`);
      if (s.length !== spec.obsDim) throw new Error(`actBatch: observation ${i} "state" has ${s.length} elements, expected ${spec.obsDim}`);
      state.set(s, i * spec.obsDim);
    }
    cameras.forEach((camera, c) => {
      const size = camera.shape[0] * camera.shape[1] * camera.shape[2];
      const px = flatNumbers(dict[camera.name], `observation ${i} "${camera.name}"`);
      if (px.length !== size) throw new Error(`actBatch: observation ${i} "${camera.name}" has ${px.length} values, expected ${camera.shape.join("×")} = ${size}`);
      (images[c] as Uint8Array).set(px, i * size);
    });
  });
  return { state, images };
}

/** A typed array, a flat array, or nested arrays of numbers, flattened row-major. */
function flatNumbers(v: unknown, what: string): ArrayLike<number> {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number>;
  if (!Array.isArray(v)) throw new Error(`actBatch: ${what} is missing or not an array`);
  return Array.isArray(v[0]) ? (v.flat(Infinity) as number[]) : (v as number[]);
}

function flatten(rows: ReadonlyArray<ArrayLike<number>>, dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`actBatch: observation ${i} has ${r.length} elements, expected ${dim}`);
    for (let j = 0; j < dim; j++) out[i * dim + j] = r[j] as number;
  });
  return out;
}

function stdDisagreement(outs: readonly HeadOutput[], batch: number, d: number): Float32Array {
  const M = outs.length;
  const u = new Float32Array(batch);
  for (let i = 0; i < batch; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      let m1 = 0;
      let m2 = 0;
      for (const o of outs) {
        const v = o.actions[i * d + j] as number;
        m1 += v / M;
        m2 += (v * v) / M;
      }
      s += Math.sqrt(Math.max(m2 - m1 * m1, 0));
    }
    u[i] = s / d;
  }
  return u;
}

function tvDisagreement(outs: readonly HeadOutput[], batch: number): Float32Array {
  const M = outs.length;
  const n = (outs[0] as HeadOutput).probs!.length / batch;
  const u = new Float32Array(batch);
  for (let i = 0; i < batch; i++) {
    let tv = 0;
    for (let k = 0; k < n; k++) {
      let mean = 0;
      for (const o of outs) mean += (o.probs![i * n + k] as number) / M;
      for (const o of outs) tv += Math.abs((o.probs![i * n + k] as number) - mean);
    }
    u[i] = (0.5 * tv) / M;
  }
  return u;
}

function majorityVote(outs: readonly HeadOutput[], batch: number): Float32Array {
  const n = (outs[0] as HeadOutput).probs!.length / batch;
  const chosen = new Float32Array(batch);
  const votes = new Float64Array(n);
  for (let i = 0; i < batch; i++) {
    votes.fill(0);
    // One vote per member, ties broken by the summed probability (a small fractional bonus).
    for (const o of outs) {
      votes[o.actions[i] as number] = (votes[o.actions[i] as number] as number) + 1;
      for (let k = 0; k < n; k++) votes[k] = (votes[k] as number) + (o.probs![i * n + k] as number) * 1e-3;
    }
    let best = 0;
    for (let k = 1; k < n; k++) if ((votes[k] as number) > (votes[best] as number)) best = k;
    chosen[i] = best;
  }
  return chosen;
}

function medoid(outs: readonly HeadOutput[], batch: number, d: number): Float32Array {
  const M = outs.length;
  const chosen = new Float32Array(batch * d);
  for (let i = 0; i < batch; i++) {
    let best = 0;
    let bestCost = Infinity;
    for (let a = 0; a < M; a++) {
      let cost = 0;
      for (let b = 0; b < M; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const diff = ((outs[a] as HeadOutput).actions[i * d + j] as number) - ((outs[b] as HeadOutput).actions[i * d + j] as number);
          s += diff * diff;
        }
        cost += Math.sqrt(s);
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = a;
      }
    }
    chosen.set((outs[best] as HeadOutput).actions.subarray(i * d, (i + 1) * d), i * d);
  }
  return chosen;
}
