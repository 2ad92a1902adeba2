/**
 * The generative heads (cvae, diffusion): on a 1-D bimodal expert both keep both modes (a single
 * Gaussian does not), the deterministic action lands on a mode, the blob round-trips through the
 * plain-JS and the tfjs paths, the ELBO matches its closed form, and training leaks no tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createHead } from "../../trainer/policy/heads";
import { alphaBars, samplingTimesteps } from "../../trainer/policy/heads/diffusion";
import { squashLogStd } from "../../trainer/policy/heads/types";
import { decodePolicyBlob } from "../../trainer/policy/blob";
import { Policy } from "../../trainer/policy/policy";
import { disposeTfMembers, loadTfMembers, serializeTfMembers } from "../../trainer/policy/tf-members";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import type { THeadConfig } from "../../contracts/policy-spec";
import { BOX1, bimodalDataset, testBackend } from "./helpers";

beforeAll(async () => {
  await testBackend();
});

const probe = Array.from({ length: 400 }, (_, i) => [(i % 20) / 20, Math.floor(i / 20) / 20]);
const near = (xs: number[], m: number): number => xs.filter((x) => Math.abs(x - m) < 0.15).length / xs.length;
const first = (b: { actions: Array<number | number[]> }): number[] => b.actions.map((a) => (a as number[])[0] as number);

describe("generative heads on a bimodal expert (a = ±0.6)", () => {
  const ds = bimodalDataset(1000);
  const common = { actionSpace: BOX1, epochs: 60, patience: 15, learningRate: 3e-3, batchSize: 128, seed: 3 } as const;

  const expectBothModes = (policy: Policy, seed: number): void => {
    const samples = first(policy.actBatch(probe, { deterministic: false, rng: mulberry32(seed) }));
    expect(near(samples, -0.6)).toBeGreaterThan(0.3);
    expect(near(samples, 0.6)).toBeGreaterThan(0.3);
    // Deterministic: one mode per state, never the average of the two.
    const det = first(policy.actBatch(probe));
    expect(near(det, -0.6) + near(det, 0.6)).toBeGreaterThan(0.9);
    // The mirrored probes land on different modes: spread ≈ 0.6 (a unimodal state would give ≈ 0).
    expect(policy.act([0.3, 0.4]).spread).toBeGreaterThan(0.3);
  };

  it("a single Gaussian averages the modes (the control)", async () => {
    const gauss = Policy.fromBlob((await trainPolicy(ds, { ...common, epochs: 30, head: { kind: "gaussian", variance: "state" } })).blob);
    const samples = first(gauss.actBatch(probe, { deterministic: false, rng: mulberry32(8) }));
    expect(near(samples, -0.6) + near(samples, 0.6)).toBeLessThan(0.5);
    expect(near(first(gauss.actBatch(probe)), -0.6) + near(first(gauss.actBatch(probe)), 0.6)).toBeLessThan(0.1);
  });

  it("the CVAE keeps both modes", async () => {
    const r = await trainPolicy(ds, { ...common, head: { kind: "cvae", latentDim: 1 } });
    // The negative ELBO bounds the NLL; a unimodal fit cannot go below ≈ 0.91 nats here.
    expect(r.bestValLoss as number).toBeLessThan(0.5);
    expectBothModes(Policy.fromBlob(r.blob), 7);
  });

  it("the diffusion head keeps both modes", async () => {
    // The denoiser needs more gradient steps than the CVAE: 1500 samples × 80 epochs of batch 128.
    const r = await trainPolicy(bimodalDataset(1500), { ...common, epochs: 80, head: { kind: "diffusion", steps: 50, sampleSteps: 10 } });
    expectBothModes(Policy.fromBlob(r.blob), 9);
  });
});

describe("objectives and schedules", () => {
  it("CVAE loss with a standard prior: reconstruction NLL + KL(q ‖ N(0,1)) (free bits off)", async () => {
    const head = createHead(2, BOX1, { kind: "cvae", latentDim: 1, prior: "standard", beta: 1, deterministicLatent: "quantile", freeBits: 0 });
    // Encoder: μq = 0.3, raw log σ = −100 → σq = e^−5 (z ≈ μq); decoder: μa = 0.1, raw log σ = 0.
    const enc = tf.tensor2d([[0.3, -100]]);
    const dec = tf.tensor2d([[0.1, 0]]);
    const obs = tf.zeros([1, 2]) as tf.Tensor2D;
    const a = tf.tensor2d([[0.5]]);
    const nll = head.nll({ tf, obs, targets: a, forward: (i) => (i === 0 ? enc : dec) as tf.Tensor2D, extras: new Map(), noiseSeed: 1 });
    const value = (await nll.data())[0] as number;
    const ls = squashLogStd(0);
    const recon = 0.5 * (0.4 / Math.exp(ls)) ** 2 + ls + 0.5 * Math.log(2 * Math.PI);
    const lq = squashLogStd(-100);
    const kl = 0.5 * (0.09 + Math.exp(2 * lq) - 1) - lq;
    expect(value).toBeCloseTo(recon + kl, 3);
    tf.dispose([enc, dec, obs, a, nll]);
  });

  it("diffusion schedules destroy the signal and the sampler strides over them", () => {
    for (const s of ["cosine", "linear"] as const) {
      const ab = alphaBars(50, s);
      expect(ab[0]).toBe(1);
      for (let k = 1; k <= 50; k++) expect(ab[k] as number).toBeLessThan(ab[k - 1] as number);
      expect(ab[50] as number).toBeLessThan(0.01);
    }
    expect(samplingTimesteps(50, 10)).toEqual([50, 45, 40, 35, 30, 25, 20, 15, 10, 5]);
    expect(samplingTimesteps(20, 50)).toHaveLength(20);
  });
});

describe("serialisation and leaks", () => {
  const quick = { actionSpace: BOX1, epochs: 4, patience: 100, seed: 1 } as const;
  const heads: THeadConfig[] = [
    { kind: "cvae", latentDim: 2, prior: "learned", beta: 1, deterministicLatent: "best", freeBits: 0.25 },
    { kind: "diffusion", steps: 20, sampleSteps: 5, sampler: "ddpm", schedule: "linear" },
  ];

  it("round-trip: blob → Policy gives identical outputs, and blob → tfjs → blob the same bytes' behaviour", async () => {
    const obs = Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
    for (const head of heads) {
      const { blob } = await trainPolicy(bimodalDataset(300), { ...quick, head, ensembleSize: 2 });
      const header = decodePolicyBlob(blob).header;
      expect(header.spec.head).toEqual(head);
      expect(header.nets).toHaveLength(2 * createHead(2, BOX1, head).nets.length);
      const a = Policy.fromBlob(blob);
      const b = Policy.fromBlob(new Uint8Array(Array.from(blob)));
      expect(b.actBatch(obs)).toEqual(a.actBatch(obs));
      expect(b.actBatch(obs, { deterministic: false, rng: mulberry32(2) })).toEqual(a.actBatch(obs, { deterministic: false, rng: mulberry32(2) }));
      // Through the tfjs path (what a warm start or GPU inference loads) and back.
      const { spec, members } = await loadTfMembers(blob);
      const again = await serializeTfMembers(spec, members, {});
      disposeTfMembers(members);
      expect(Policy.fromBlob(again).actBatch(obs)).toEqual(a.actBatch(obs));
      // Warm start accepts the blob.
      const warm = await trainPolicy(bimodalDataset(300), { ...quick, epochs: 1, head, ensembleSize: 2 }, { warmStart: blob });
      expect(warm.warmStarted).toBe(true);
    }
  });

  it("training does not leak tensors (count constant across epochs, back to baseline)", async () => {
    for (const head of heads) {
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      await trainPolicy(bimodalDataset(400), { ...quick, epochs: 5, head }, { onProgress: (p) => counts.push(p.numTensors) });
      expect(counts).toHaveLength(5);
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
