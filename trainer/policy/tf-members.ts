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
import type { TPolicySpec } from "./spec";

export interface TfMember {
  readonly nets: tf.Sequential[];
  readonly extras: Map<string, tf.Variable>;
}

export function createTfMembers(spec: TPolicySpec, seed: number): { head: PolicyHead; members: TfMember[] } {
  const head = createHead(spec.obsDim, spec.actionSpace, spec.head);
  const members: TfMember[] = [];
  for (let m = 0; m < spec.ensembleSize; m++) {
    const nets = head.nets.map((shape, i) =>
      buildMlp(shape.inputDim, shape.outputDim, spec.network, seed + 1000 * m + 100 * i, shape.outputBias),
    );
    const extras = new Map<string, tf.Variable>();
    for (const p of head.extras) extras.set(p.name, tf.tidy(() => tf.variable(tf.fill([p.size], p.init), true)));
    members.push({ nets, extras });
  }
  return { head, members };
}

/** All trainable variables of the members (for the optimizer's var list). */
export function trainableVariables(members: readonly TfMember[]): tf.Variable[] {
  const vars: tf.Variable[] = [];
  for (const m of members) {
    for (const net of m.nets) for (const w of net.trainableWeights) vars.push(w.read() as tf.Variable);
    for (const v of m.extras.values()) vars.push(v);
  }
  return vars;
}

export function disposeTfMembers(members: readonly TfMember[]): void {
  for (const m of members) {
    for (const net of m.nets) net.dispose();
    for (const v of m.extras.values()) v.dispose();
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
    for (const [name, v] of member.extras) extras.push({ member: m, name, values: Array.from(await v.data()) });
  }
  return encodePolicyBlob(spec, nets, extras, meta);
}

/** Loads the tfjs form of a blob's networks (e.g. to warm-start training). */
export async function loadTfMembers(blob: Uint8Array): Promise<{ spec: TPolicySpec; members: TfMember[] }> {
  const decoded = decodePolicyBlob(blob);
  const { spec } = decoded.header;
  const head = createHead(spec.obsDim, spec.actionSpace, spec.head);
  const members: TfMember[] = [];
  for (let m = 0; m < spec.ensembleSize; m++) {
    const nets: tf.Sequential[] = [];
    for (let i = 0; i < head.nets.length; i++) {
      const art = decoded.net(m, i);
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: art.modelTopology as tf.io.ModelJSON["modelTopology"],
          weightSpecs: [...art.weightSpecs],
          weightData: art.weightData,
        }),
      );
      nets.push(model as tf.Sequential);
    }
    const extras = new Map<string, tf.Variable>();
    for (const p of head.extras) {
      const found = decoded.header.extras.find((e) => e.member === m && e.name === p.name);
      if (found === undefined) throw new Error(`policy blob: member ${m} lacks ${p.name}`);
      extras.set(p.name, tf.tidy(() => tf.variable(tf.tensor1d(found.values), true)));
    }
    members.push({ nets, extras });
  }
  return { spec, members };
}
