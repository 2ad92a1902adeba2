/**
 * The trainable (tfjs) form of a policy: per ensemble member, its networks as `tf.Sequential` models
 * and its extra parameters as variables. Build fresh, save to a policy blob, or load from one
 * (warm start, or to check that the JavaScript forward pass matches tfjs).
 *
 * Browser-safe.
 */
import * as tf from "@tensorflow/tfjs";
import { decodePolicyBlob, encodePolicyBlob } from "./blob";
import { createHead, type PolicyHead } from "./heads";
import { buildMlp, saveArtifacts } from "./mlp";
import { type TPolicySpec } from "../../contracts/policy-spec";
import { headInputDim } from "./spec";
import { encoderNetIndex } from "./encoder-layout";
import { buildEncoder, encodeImages, type TfEncoder } from "./vision-tf";

export interface TfMember {
  readonly nets: tf.Sequential[];
  readonly extras: Map<string, tf.Variable>;
  /** One image encoder per camera of `spec.vision` (none for MLP policies). */
  readonly encoders: TfEncoder[];
}


export function createTfMembers(spec: TPolicySpec, seed: number): { head: PolicyHead; members: TfMember[] } {
  const head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
  const members: TfMember[] = [];
  for (let m = 0; m < spec.ensembleSize; m++) {
    const nets = head.nets.map((shape, i) =>
      buildMlp(shape.inputDim, shape.outputDim, spec.network, seed + 1000 * m + 100 * i, shape.outputBias),
    );
    const extras = new Map<string, tf.Variable>();
    for (const p of head.extras) extras.set(p.name, tf.tidy(() => tf.variable(tf.fill([p.size], p.init), true)));
    const encoders = (spec.vision?.cameras ?? []).map((camera, c) => buildEncoder(camera, spec.vision!.encoder, seed + 1000 * m + 500 + 10 * c));
    members.push({ nets, extras, encoders });
  }
  return { head, members };
}

/**
 * What the head's networks see for one member: `[b, headInputDim]` — each camera's features
 * (`images[c]`: `[b, H, W, C]` pixels 0–255) then the normalised state `[b, obsDim]`. For MLP policies
 * the state itself.
 */
export function memberInputs(spec: TPolicySpec, member: TfMember, state: tf.Tensor2D, images: readonly tf.Tensor4D[]): tf.Tensor2D {
  if (spec.vision === undefined) return state;
  const pooling = spec.vision.encoder.pooling;
  return tf.tidy(() => {
    const parts = member.encoders.map((e, c) => encodeImages(e, pooling, images[c] as tf.Tensor4D));
    if (state.shape[1] > 0) parts.push(state); // camera-only policies have no state
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
  });
}

/** All trainable variables of the members (for the optimizer's var list). */
export function trainableVariables(members: readonly TfMember[]): tf.Variable[] {
  const vars: tf.Variable[] = [];
  for (const m of members) {
    for (const net of m.nets) for (const w of net.trainableWeights) vars.push(w.read() as tf.Variable);
    for (const v of m.extras.values()) vars.push(v);
    for (const e of m.encoders) for (const net of [e.conv, e.projection]) for (const w of net.trainableWeights) vars.push(w.read() as tf.Variable);
  }
  return vars;
}

export function disposeTfMembers(members: readonly TfMember[]): void {
  for (const m of members) {
    for (const net of m.nets) net.dispose();
    for (const v of m.extras.values()) v.dispose();
    for (const e of m.encoders) {
      e.conv.dispose();
      e.projection.dispose();
    }
  }
}

/** Serialises members + spec into one policy blob. */
export async function serializeTfMembers(
  spec: TPolicySpec,
  members: readonly TfMember[],
  meta: Record<string, unknown>,
): Promise<Uint8Array> {
  const nets: Array<{ member: number; index: number; artifacts: Awaited<ReturnType<typeof saveArtifacts>> }> = [];
  const extras: Array<{ member: number; name: string; values: number[] }> = [];
  for (let m = 0; m < members.length; m++) {
    const member = members[m] as TfMember;
    for (let i = 0; i < member.nets.length; i++) {
      nets.push({ member: m, index: i, artifacts: await saveArtifacts(member.nets[i] as tf.Sequential) });
    }
    for (const [c, e] of member.encoders.entries()) {
      const at = encoderNetIndex(member.nets.length, c);
      nets.push({ member: m, index: at.conv, artifacts: await saveArtifacts(e.conv) });
      nets.push({ member: m, index: at.projection, artifacts: await saveArtifacts(e.projection) });
    }
    for (const [name, v] of member.extras) extras.push({ member: m, name, values: Array.from(await v.data()) });
  }
  return encodePolicyBlob(spec, nets, extras, meta);
}

/** Loads the tfjs form of a blob's networks (e.g. to warm-start training). */
export async function loadTfMembers(blob: Uint8Array): Promise<{ spec: TPolicySpec; members: TfMember[] }> {
  const decoded = decodePolicyBlob(blob);
  const { spec } = decoded.header;
  const head = createHead(headInputDim(spec), spec.actionSpace, spec.head);
  const members: TfMember[] = [];
  const load = async (m: number, i: number): Promise<tf.Sequential> => {
    const art = decoded.net(m, i);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: art.modelTopology as tf.io.ModelJSON["modelTopology"],
        weightSpecs: [...art.weightSpecs],
        weightData: art.weightData,
      }),
    );
    return model as tf.Sequential;
  };
  for (let m = 0; m < spec.ensembleSize; m++) {
    const nets: tf.Sequential[] = [];
    for (let i = 0; i < head.nets.length; i++) nets.push(await load(m, i));
    const encoders: TfEncoder[] = [];
    for (let c = 0; c < (spec.vision?.cameras.length ?? 0); c++) {
      const at = encoderNetIndex(head.nets.length, c);
      encoders.push({ conv: await load(m, at.conv), projection: await load(m, at.projection) });
    }
    const extras = new Map<string, tf.Variable>();
    for (const p of head.extras) {
      const found = decoded.header.extras.find((e) => e.member === m && e.name === p.name);
      if (found === undefined) throw new Error(`policy blob: member ${m} lacks ${p.name}`);
      extras.set(p.name, tf.tidy(() => tf.variable(tf.tensor1d(found.values), true)));
    }
    members.push({ nets, extras, encoders });
  }
  return { spec, members };
}
