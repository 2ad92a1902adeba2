/**
 * ONNX export parity: every head (and ensembles) exported with policyToOnnx, loaded by ONNX Runtime for
 * Node, agrees with the TypeScript runtime (Policy / DenseStack) to within 1e-5 on fixture observations.
 * cvae and diffusion export their networks; their documented sampling procedures (docs/FORMATS.md), run
 * here against ONNX Runtime, reproduce the runtime's deterministic actions.
 */
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { NOISE_QUANTILE } from "../../trainer/policy/heads/generative";
import { decodePolicyBlob } from "../../trainer/policy/blob";
import { denseStackFromArtifacts } from "../../trainer/policy/dense";
import { alphaBars, samplingTimesteps, TIME_EMBED_DIM, timeEmbedding } from "../../trainer/policy/heads/diffusion";
import { squashLogStd } from "../../trainer/policy/heads/types";
import { normalizeObservations } from "../../trainer/policy/normalize";
import { policyToOnnx } from "../../trainer/policy/onnx";
import { Policy } from "../../trainer/policy/policy";
import type { THeadConfig, TPolicySpec } from "../../contracts/policy-spec";
import { createTfMembers, disposeTfMembers, serializeTfMembers } from "../../trainer/policy/tf-members";
import { mulberry32 } from "../../trainer/random";
import { testBackend } from "./helpers";

beforeAll(async () => {
  await testBackend();
});

const OBS_DIM = 5;
const BATCH = 64;
const TOL = 1e-5;
const BOX2 = { type: "box", shape: [2], low: [-2, -1], high: [2, 3] } as const;
const DISCRETE = { type: "discrete", n: 4 } as const;

/** Observations around the normalisation's mean, some far out (clipped at ±10σ). */
function fixtureObservations(seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: BATCH * OBS_DIM }, (_, i) => (rng() - 0.5) * (i % 17 === 0 ? 80 : 4) + 0.3);
}

async function makeBlob(head: THeadConfig, actionSpace: TPolicySpec["actionSpace"], ensembleSize: number, seed: number): Promise<Uint8Array> {
  const spec: TPolicySpec = {
    obsDim: OBS_DIM,
    actionSpace,
    head,
    network: { hidden: [16, 12], activation: seed % 2 ? "tanh" : "relu" },
    ensembleSize,
    normalization: {
      obsMean: [0.1, -0.2, 0.3, 0, 0.5],
      obsStd: [1, 0.5, 2, 1.5, 0.8],
      actCenter: actionSpace.type === "box" ? [0, 1] : [0],
      actScale: actionSpace.type === "box" ? [2, 2] : [1],
    },
  } as TPolicySpec;
  const { members } = createTfMembers(spec, seed);
  // Random (not trained, not near-zero) weights: outputs that differ from state to state.
  let s = seed;
  for (const m of members) {
    for (const net of m.nets) for (const layer of net.layers) layer.setWeights(layer.getWeights().map((w) => tf.randomNormal(w.shape, 0, 0.6, "float32", s++)));
    for (const v of m.extras.values()) v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", s++));
  }
  const blob = await serializeTfMembers(spec, members, {});
  disposeTfMembers(members);
  return blob;
}

async function run(model: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.dims)])));
  await session.release();
  return out;
}

const maxAbsDiff = (a: ArrayLike<number | bigint>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - (b[i] as number)));
  return m;
};

describe("ONNX export agrees with the TypeScript runtime (onnxruntime-node)", () => {
  const cases: Array<[string, THeadConfig, TPolicySpec["actionSpace"], number]> = [
    ["categorical", { kind: "categorical" }, DISCRETE, 1],
    ["categorical ensemble of 3", { kind: "categorical" }, DISCRETE, 3],
    ["gaussian (state σ)", { kind: "gaussian", variance: "state" }, BOX2, 1],
    ["gaussian (global σ)", { kind: "gaussian", variance: "global" }, BOX2, 1],
    ["gaussian ensemble of 3", { kind: "gaussian", variance: "state" }, BOX2, 3],
    ["mixture of 3 Gaussians", { kind: "mog", components: 3 }, BOX2, 1],
    ["autoregressive, 11 bins", { kind: "autoregressive", bins: 11 }, BOX2, 1],
    ["autoregressive ensemble of 2", { kind: "autoregressive", bins: 9 }, BOX2, 2],
  ];
  for (const [name, head, space, M] of cases) {
    it(`${name}: params and the deterministic action`, async () => {
      const blob = await makeBlob(head, space, M, 7 + name.length);
      const policy = Policy.fromBlob(blob);
      const obs = fixtureObservations(name.length);
      const out = await run(policyToOnnx(blob), { observation: { data: obs, dims: [BATCH, OBS_DIM] } });
      const expected = policy.actBatch(obs).actions.flatMap((a) => (Array.isArray(a) ? a : [a]));
      const action = out.action!;
      expect(action.dims).toEqual(space.type === "discrete" ? [BATCH] : [BATCH, 2]);
      expect(maxAbsDiff(action.data as ArrayLike<number | bigint>, expected)).toBeLessThanOrEqual(TOL);
      expect(out.params!.dims[0]).toBe(M);
      expect(out.params!.dims[1]).toBe(BATCH);
      // Parameters: the normalised-unit distribution parameters.
      if (head.kind === "categorical" && M === 1) {
        const p = out.params!.data as Float32Array;
        for (let i = 0; i < BATCH; i++) expect(p.subarray(i * 4, i * 4 + 4).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      }
      if (head.kind === "gaussian" && M === 1) {
        // mean σ over dimensions = the head's spread (single network: uncertainty = spread).
        const batch = policy.actBatch(obs);
        const p = out.params!.data as Float32Array;
        const spread = Array.from({ length: BATCH }, (_, i) => (Math.exp(p[i * 4 + 2]!) + Math.exp(p[i * 4 + 3]!)) / 2);
        expect(maxAbsDiff(batch.spread, spread)).toBeLessThanOrEqual(TOL);
      }
    });
  }

  it("cvae: the decoder at latent +Q reproduces the quantile-mode action; params hold [μ_a | log σ_a]", async () => {
    for (const prior of ["standard", "learned"] as const) {
      const head: THeadConfig = { kind: "cvae", latentDim: 2, prior, beta: 1, deterministicLatent: "quantile", freeBits: 0 };
      const blob = await makeBlob(head, BOX2, 1, 31);
      const policy = Policy.fromBlob(blob);
      const obs = fixtureObservations(3);
      const latent = new Float32Array(BATCH * 2).fill(NOISE_QUANTILE);
      const out = await run(policyToOnnx(blob), { observation: { data: obs, dims: [BATCH, OBS_DIM] }, latent: { data: latent, dims: [BATCH, 2] } });
      const p = out.params!.data as Float32Array;
      const { actCenter, actScale } = policy.spec.normalization;
      const mine = Array.from({ length: BATCH }, (_, i) => [0, 1].map((j) => Math.min(Math.max(p[i * 4 + j]! * actScale[j]! + actCenter[j]!, BOX2.low[j]!), BOX2.high[j]!))).flat();
      const expected = policy.actBatch(obs).actions.flat() as number[];
      expect(maxAbsDiff(mine, expected)).toBeLessThanOrEqual(TOL);
      if (prior === "standard") {
        // params = the TS decoder's output at z = +Q, its log σ squashed.
        const norm = normalizeObservations(policy.spec.normalization, obs, BATCH);
        const input = new Float32Array(BATCH * (OBS_DIM + 2));
        for (let i = 0; i < BATCH; i++) {
          input.set(norm.subarray(i * OBS_DIM, (i + 1) * OBS_DIM), i * (OBS_DIM + 2));
          input.fill(NOISE_QUANTILE, i * (OBS_DIM + 2) + OBS_DIM, (i + 1) * (OBS_DIM + 2));
        }
        const dec = denseStackFromArtifacts(decodePolicyBlob(blob).net(0, 1)).forward(input, BATCH);
        expect(maxAbsDiff(p, Array.from(dec, (v, i) => (i % 4 < 2 ? v : squashLogStd(v))))).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it("diffusion: the documented DDIM loop over the exported ε-network reproduces the deterministic action", async () => {
    const head: THeadConfig = { kind: "diffusion", steps: 20, sampleSteps: 5, sampler: "ddim", schedule: "cosine" };
    const blob = await makeBlob(head, BOX2, 1, 41);
    const policy = Policy.fromBlob(blob);
    const obs = fixtureObservations(4);
    const model = policyToOnnx(blob);
    const session = await ort.InferenceSession.create(model);
    const net = denseStackFromArtifacts(decodePolicyBlob(blob).net(0, 0));
    const norm = normalizeObservations(policy.spec.normalization, obs, BATCH);
    const ab = alphaBars(20, "cosine");
    const ts = samplingTimesteps(20, 5);
    const d = 2;
    const x = new Float64Array(BATCH * d).fill(NOISE_QUANTILE);
    for (let s = 0; s < ts.length; s++) {
      const t = ts[s]!;
      const abT = ab[t]!;
      const abP = ab[ts[s + 1] ?? 0]!;
      const feeds = {
        observation: new ort.Tensor("float32", obs, [BATCH, OBS_DIM]),
        action_t: new ort.Tensor("float32", Float32Array.from(x), [BATCH, d]),
        timestep: new ort.Tensor("float32", new Float32Array(BATCH).fill(t), [BATCH, 1]),
      };
      const eps = (await session.run(feeds)).params!.data as Float32Array;
      // The exported ε-network is the TS one: [obs, a_t, emb(t)] → ε̂, to 1e-5.
      const input = new Float32Array(BATCH * (OBS_DIM + d + TIME_EMBED_DIM));
      const w = OBS_DIM + d + TIME_EMBED_DIM;
      for (let i = 0; i < BATCH; i++) {
        input.set(norm.subarray(i * OBS_DIM, (i + 1) * OBS_DIM), i * w);
        for (let j = 0; j < d; j++) input[i * w + OBS_DIM + j] = x[i * d + j]!;
        timeEmbedding(t, 20, input, i * w + OBS_DIM + d);
      }
      expect(maxAbsDiff(eps, net.forward(input, BATCH))).toBeLessThanOrEqual(TOL);
      for (let i = 0; i < BATCH * d; i++) {
        const x0 = Math.min(Math.max((x[i]! - Math.sqrt(1 - abT) * eps[i]!) / Math.sqrt(abT), -1), 1);
        const e = (x[i]! - Math.sqrt(abT) * x0) / Math.sqrt(1 - abT);
        x[i] = Math.sqrt(abP) * x0 + Math.sqrt(1 - abP) * e;
      }
    }
    await session.release();
    const { actCenter, actScale } = policy.spec.normalization;
    const mine = Array.from(x, (v, i) => Math.min(Math.max(Math.min(Math.max(v, -1), 1) * actScale[i % d]! + actCenter[i % d]!, BOX2.low[i % d]!), BOX2.high[i % d]!));
    const expected = policy.actBatch(obs).actions.flat() as number[];
    expect(maxAbsDiff(mine, expected)).toBeLessThanOrEqual(TOL);
  });
});
