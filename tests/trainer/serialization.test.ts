/**
 * The policy blob: one binary object that loads back to the same outputs — through the plain-JS
 * forward pass (Policy.fromBlob, no backend) and through tfjs (tf.loadLayersModel(fromMemory)) —
 * and that warm-starts training. Corrupt blobs are rejected with a clear error.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { POLICY_BLOB_MAGIC, decodePolicyBlob } from "../../trainer/policy/blob";
import { Policy } from "../../trainer/policy/policy";
import { normalizeObservations } from "../../trainer/policy/normalize";
import { disposeTfMembers, loadTfMembers } from "../../trainer/policy/tf-members";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import { BOX1, bimodalDataset, halfPlaneDataset, testBackend } from "./helpers";

let mogBlob: Uint8Array;
let catBlob: Uint8Array;
let arBlob: Uint8Array;
let globalBlob: Uint8Array;

beforeAll(async () => {
  await testBackend();
  const quick = { epochs: 5, patience: 5, seed: 1 } as const;
  const ds = bimodalDataset(400);
  mogBlob = (await trainPolicy(ds, { ...quick, actionSpace: BOX1, head: { kind: "mog", components: 3 }, ensembleSize: 2 })).blob;
  arBlob = (await trainPolicy(ds, { ...quick, actionSpace: BOX1, head: { kind: "autoregressive", bins: 11 } })).blob;
  globalBlob = (await trainPolicy(ds, { ...quick, actionSpace: BOX1, head: { kind: "gaussian", variance: "global" } })).blob;
  catBlob = (await trainPolicy(halfPlaneDataset(400), { ...quick, actionSpace: { type: "discrete", n: 2 } })).blob;
});

const probe = Array.from({ length: 50 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);

describe("policy blob", () => {
  it("starts with the magic and a version, and carries spec, topology and provenance", () => {
    expect(new TextDecoder().decode(mogBlob.subarray(0, 4))).toBe(POLICY_BLOB_MAGIC);
    const { header } = decodePolicyBlob(mogBlob);
    expect(header.spec.head).toEqual({ kind: "mog", components: 3 });
    expect(header.spec.ensembleSize).toBe(2);
    expect(header.nets).toHaveLength(2);
    expect(header.spec.normalization.obsMean).toHaveLength(2);
    expect(header.meta["backend"]).toMatch(/wasm/);
  });

  it("round-trips: a copy of the bytes loads to identical outputs, for every head", () => {
    for (const blob of [mogBlob, catBlob, arBlob, globalBlob]) {
      const a = Policy.fromBlob(blob);
      const b = Policy.fromBlob(new Uint8Array(Array.from(blob))); // fresh buffer, offset 0
      expect(b.actBatch(probe)).toEqual(a.actBatch(probe));
      const ra = a.actBatch(probe, { deterministic: false, rng: mulberry32(1) });
      const rb = b.actBatch(probe, { deterministic: false, rng: mulberry32(1) });
      expect(rb).toEqual(ra);
    }
  });

  it("loads from a sub-view of a larger buffer (e.g. a database row)", () => {
    const padded = new Uint8Array(mogBlob.byteLength + 13);
    padded.set(mogBlob, 7);
    const view = padded.subarray(7, 7 + mogBlob.byteLength);
    expect(Policy.fromBlob(view).actBatch(probe)).toEqual(Policy.fromBlob(mogBlob).actBatch(probe));
  });

  it("the plain-JS forward pass matches tfjs on the loaded model", async () => {
    const { spec, members } = await loadTfMembers(mogBlob);
    const flat = Float32Array.from(probe.flat());
    const norm = normalizeObservations(spec.normalization, flat, probe.length);
    const x = tf.tensor2d(norm, [probe.length, 2]);
    const policy = Policy.fromBlob(mogBlob);
    for (let m = 0; m < members.length; m++) {
      const y = (members[m]?.nets[0] as tf.Sequential).predict(x) as tf.Tensor;
      const tfOut = (await y.data()) as Float32Array;
      y.dispose();
      // The same network through DenseStack: compare raw outputs.
      const js = (policy as unknown as { members: Array<{ nets: Array<{ forward(i: Float32Array, b: number): Float32Array }> }> }).members[m]!.nets[0]!.forward(norm, probe.length);
      expect(js.length).toBe(tfOut.length);
      for (let i = 0; i < js.length; i++) expect(Math.abs((js[i] as number) - (tfOut[i] as number))).toBeLessThan(1e-4);
    }
    x.dispose();
    disposeTfMembers(members);
  });

  it("rejects corrupt blobs with a readable error", () => {
    const bad = mogBlob.slice();
    bad[0] = 0x58;
    expect(() => Policy.fromBlob(bad)).toThrow(/magic/);
    const v2 = mogBlob.slice();
    new DataView(v2.buffer).setUint32(4, 99, true);
    expect(() => Policy.fromBlob(v2)).toThrow(/version 99/);
    expect(() => Policy.fromBlob(mogBlob.subarray(0, mogBlob.byteLength - 16))).toThrow(/past the end/);
    expect(() => Policy.fromBlob(new Uint8Array(5))).toThrow(/too short/);
  });

  it("warm-starts training from a blob (same spec, normalisation kept) and refuses a different spec", async () => {
    const ds = bimodalDataset(300, 5);
    const warm = await trainPolicy(ds, { actionSpace: BOX1, head: { kind: "mog", components: 3 }, ensembleSize: 2, epochs: 2, seed: 2 }, { warmStart: mogBlob });
    expect(warm.warmStarted).toBe(true);
    expect(warm.spec.normalization).toEqual(decodePolicyBlob(mogBlob).header.spec.normalization);
    // Starting from trained weights, the first epoch's loss is already near the original's end.
    const cold = await trainPolicy(ds, { actionSpace: BOX1, head: { kind: "mog", components: 3 }, ensembleSize: 2, epochs: 1, seed: 2 });
    expect(warm.lossCurve[0]!.loss).toBeLessThan(cold.lossCurve[0]!.loss);
    await expect(
      trainPolicy(ds, { actionSpace: BOX1, head: { kind: "gaussian", variance: "state" }, epochs: 1 }, { warmStart: mogBlob }),
    ).rejects.toThrow(/warm start/);
  });

  it("is small and quick to load", () => {
    expect(catBlob.byteLength).toBeLessThan(40_000);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) Policy.fromBlob(mogBlob);
    expect((performance.now() - t0) / 20).toBeLessThan(20);
  });
});
