/**
 * Policy heads: each head's likelihood matches its closed form, sampling follows the distribution,
 * and trained heads behave as they should (a mixture keeps both modes of a bimodal expert, a single
 * Gaussian averages them; the autoregressive head conditions later dimensions on earlier ones).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { makeDataset } from "../../trainer/dataset";
import { createHead } from "../../trainer/policy/heads";
import { binCenters } from "../../trainer/policy/heads/autoregressive";
import { squashLogStd } from "../../trainer/policy/heads/types";
import { Policy } from "../../trainer/policy/policy";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import { BOX1, bimodalDataset, halfPlaneDataset, regressionDataset, testBackend } from "./helpers";

beforeAll(async () => {
  await testBackend();
});

/** Evaluates `head.nll` with fixed network outputs. */
async function nllWith(head: ReturnType<typeof createHead>, outputs: number[][], targets: number[][], extras = new Map<string, tf.Tensor1D>()): Promise<number[]> {
  const out = tf.tensor2d(outputs);
  const t = tf.tensor2d(targets);
  const obs = tf.zeros([outputs.length, 2]) as tf.Tensor2D;
  const nll = head.nll({ tf, obs, targets: t, forward: () => out, extras });
  const values = Array.from(await nll.data());
  tf.dispose([out, t, obs, nll]);
  return values;
}

const LOG_2PI = Math.log(2 * Math.PI);

describe("likelihoods", () => {
  it("categorical: −log softmax(logits)[a]", async () => {
    const head = createHead(2, { type: "discrete", n: 3 }, { kind: "categorical" });
    const logits = [1, 2, 0.5];
    const z = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const targets = head.encodeTargets(Float32Array.from([1]), 1);
    const [nll] = await nllWith(head, [logits], [Array.from(targets)]);
    expect(nll).toBeCloseTo(z - 2, 5);
  });

  it("gaussian (state-dependent σ): ½z² + log σ + ½log 2π", async () => {
    const head = createHead(2, BOX1, { kind: "gaussian", variance: "state" });
    const mu = 0.2;
    const raw = 0.3;
    const a = -0.1;
    const logStd = squashLogStd(raw);
    const expected = 0.5 * ((a - mu) / Math.exp(logStd)) ** 2 + logStd + 0.5 * LOG_2PI;
    const [nll] = await nllWith(head, [[mu, raw]], [[a]]);
    expect(nll).toBeCloseTo(expected, 4);
  });

  it("gaussian (global σ): uses the learned per-dimension parameter", async () => {
    const head = createHead(2, BOX1, { kind: "gaussian", variance: "global" });
    expect(head.extras).toEqual([{ name: "logStd", size: 1, init: 0 }]);
    const raw = tf.tensor1d([-1]);
    const logStd = squashLogStd(-1);
    const [nll] = await nllWith(head, [[0.5]], [[0.1]], new Map([["logStd", raw as tf.Tensor1D]]));
    expect(nll).toBeCloseTo(0.5 * (0.4 / Math.exp(logStd)) ** 2 + logStd + 0.5 * LOG_2PI, 4);
    raw.dispose();
  });

  it("mixture: −log Σ π_k N(a; μ_k, σ_k)", async () => {
    const head = createHead(2, BOX1, { kind: "mog", components: 2 });
    const logits = [0.3, -0.2];
    const mus = [-0.5, 0.6];
    const raws = [0.1, -0.4];
    const a = 0.4;
    const pis = logits.map((l) => Math.exp(l) / (Math.exp(0.3) + Math.exp(-0.2)));
    const density = pis.reduce((s, p, k) => {
      const sd = Math.exp(squashLogStd(raws[k] as number));
      return s + (p * Math.exp(-0.5 * ((a - (mus[k] as number)) / sd) ** 2)) / (sd * Math.sqrt(2 * Math.PI));
    }, 0);
    const [nll] = await nllWith(head, [[...logits, ...mus, ...raws]], [[a]]);
    expect(nll).toBeCloseTo(-Math.log(density), 4);
  });

  it("autoregressive: two-hot targets recover the value and give −Σ target·log softmax", async () => {
    const head = createHead(2, BOX1, { kind: "autoregressive", bins: 5 }); // centres −1, −.5, 0, .5, 1
    const row = head.encodeTargets(Float32Array.from([0.2]), 1);
    const twoHot = Array.from(row.subarray(1));
    expect(twoHot.map((v) => Number(v.toFixed(4)))).toEqual([0, 0, 0.6, 0.4, 0]);
    const centres = binCenters(5);
    expect(twoHot.reduce((s, p, b) => s + p * (centres[b] as number), 0)).toBeCloseTo(0.2, 6);
    const logits = [0, 1, 2, 1, 0];
    const z = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const [nll] = await nllWith(head, [logits], [Array.from(row)]);
    expect(nll).toBeCloseTo(0.6 * (z - 2) + 0.4 * (z - 1), 4);
  });

  it("rejects a head that does not fit the action space", () => {
    expect(() => createHead(2, BOX1, { kind: "categorical" })).toThrow(/discrete/);
    expect(() => createHead(2, { type: "discrete", n: 2 }, { kind: "mog", components: 3 })).toThrow(/categorical/);
  });
});

describe("sampling", () => {
  it("gaussian samples have the predicted mean and σ; deterministic returns the mean", () => {
    const head = createHead(2, BOX1, { kind: "gaussian", variance: "state" });
    const n = 4000;
    const rng = mulberry32(5);
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[i * 2] = 0.3;
      out[i * 2 + 1] = 0;
    }
    const inputs = { batch: n, obs: new Float32Array(n * 2), forward: () => out, extras: new Map(), rng };
    const det = head.act({ ...inputs, deterministic: true });
    expect(det.actions[0]).toBeCloseTo(0.3, 6);
    const s = head.act({ ...inputs, deterministic: false }).actions;
    const mean = s.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(0.3, 1);
    expect(sd).toBeGreaterThan(Math.exp(squashLogStd(0)) * 0.9);
    expect(sd).toBeLessThan(Math.exp(squashLogStd(0)) * 1.1);
  });

  it("categorical samples follow the softmax", () => {
    const head = createHead(2, { type: "discrete", n: 2 }, { kind: "categorical" });
    const n = 5000;
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) out[i * 2 + 1] = Math.log(3); // p(1) = 0.75
    const res = head.act({ batch: n, obs: new Float32Array(n * 2), forward: () => out, extras: new Map(), rng: mulberry32(6), deterministic: false });
    const share = res.actions.reduce((a, b) => a + b, 0) / n;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
  });
});

describe("trained heads", () => {
  const common = { actionSpace: BOX1, epochs: 60, patience: 10, learningRate: 3e-3, batchSize: 256, seed: 3 } as const;

  it("on a bimodal expert, a mixture keeps both modes and a single Gaussian averages them", async () => {
    const ds = bimodalDataset(1500);
    const probe = Array.from({ length: 400 }, (_, i) => [(i % 20) / 20, Math.floor(i / 20) / 20]);
    const gauss = Policy.fromBlob((await trainPolicy(ds, { ...common, head: { kind: "gaussian", variance: "state" } })).blob);
    const mog = Policy.fromBlob((await trainPolicy(ds, { ...common, head: { kind: "mog", components: 3 } })).blob);

    const near = (xs: number[], m: number): number => xs.filter((x) => Math.abs(x - m) < 0.15).length / xs.length;
    const first = (b: { actions: Array<number | number[]> }): number[] => b.actions.map((a) => (a as number[])[0] as number);
    // Deterministic: the mixture picks a mode, the Gaussian sits between them.
    const gDet = first(gauss.actBatch(probe));
    const mDet = first(mog.actBatch(probe));
    expect(near(gDet, -0.6) + near(gDet, 0.6)).toBeLessThan(0.1);
    expect(near(mDet, -0.6) + near(mDet, 0.6)).toBeGreaterThan(0.95);
    // Sampling: the mixture reproduces both modes ~50/50; the Gaussian puts little mass on them.
    const mSamples = first(mog.actBatch(probe, { deterministic: false, rng: mulberry32(7) }));
    expect(near(mSamples, -0.6)).toBeGreaterThan(0.3);
    expect(near(mSamples, 0.6)).toBeGreaterThan(0.3);
    const gSamples = first(gauss.actBatch(probe, { deterministic: false, rng: mulberry32(8) }));
    expect(near(gSamples, -0.6) + near(gSamples, 0.6)).toBeLessThan(0.5);
  });

  it("an autoregressive head keeps both modes and conditions dimension 2 on dimension 1", async () => {
    // a₁ = ±0.5 at random; a₂ = a₁ (perfectly correlated): the marginal of a₂ is bimodal too.
    const rng = mulberry32(9);
    const obs: number[][] = [];
    const act: number[][] = [];
    for (let i = 0; i < 1500; i++) {
      const s = rng() < 0.5 ? -0.5 : 0.5;
      obs.push([rng(), rng()]);
      act.push([s, s]);
    }
    const box2 = { type: "box", shape: [2], low: [-1, -1], high: [1, 1] } as const;
    const result = await trainPolicy(makeDataset(obs, act), { ...common, actionSpace: box2, head: { kind: "autoregressive", bins: 21 } });
    const policy = Policy.fromBlob(result.blob);
    const samples = policy.actBatch(obs.slice(0, 300), { deterministic: false, rng: mulberry32(10) }).actions as number[][];
    const agree = samples.filter(([a, b]) => Math.sign(a as number) === Math.sign(b as number) && Math.abs((a as number) - (b as number)) < 0.25).length;
    expect(agree / samples.length).toBeGreaterThan(0.9);
    const positive = samples.filter(([a]) => (a as number) > 0).length / samples.length;
    expect(positive).toBeGreaterThan(0.25);
    expect(positive).toBeLessThan(0.75);
  });

  it("a categorical head learns a decision boundary", async () => {
    const result = await trainPolicy(halfPlaneDataset(1500), { actionSpace: { type: "discrete", n: 2 }, epochs: 40, patience: 10, learningRate: 3e-3, seed: 4 });
    const policy = Policy.fromBlob(result.blob);
    expect(policy.act([0.6, 0.5]).action).toBe(1);
    expect(policy.act([-0.6, -0.5]).action).toBe(0);
    expect(policy.act([0.6, 0.5]).uncertainty).toBeLessThan(0.3);
  });

  it("gaussian heads fit a noisy function and the global-σ head learns the noise level", async () => {
    const ds = regressionDataset(2000, 0.05);
    const result = await trainPolicy(ds, { ...common, epochs: 80, head: { kind: "gaussian", variance: "global" } });
    const policy = Policy.fromBlob(result.blob);
    const out = policy.act([0.4, -0.2]);
    expect((out.action as number[])[0]).toBeCloseTo(0.5 * Math.sin(0.8) - 0.02, 1);
    // spread is σ in normalised units (the box half-range is 1 here): near the noise level 0.05.
    expect(out.spread).toBeGreaterThan(0.02);
    expect(out.spread).toBeLessThan(0.15);
  });

  it("an ensemble is more uncertain far from its data than on it", async () => {
    const ds = regressionDataset(800, 0.02, 11); // x in [-1, 1]²
    const result = await trainPolicy(ds, { ...common, epochs: 40, ensembleSize: 4, head: { kind: "gaussian", variance: "state" } });
    const policy = Policy.fromBlob(result.blob);
    expect(policy.ensembleSize).toBe(4);
    const inside = policy.actBatch([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.5]]).uncertainty;
    const outside = policy.actBatch([[6, -6], [-7, 5], [8, 8]]).uncertainty;
    const mean = (xs: Float32Array): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(outside)).toBeGreaterThan(3 * mean(inside));
  });
});
