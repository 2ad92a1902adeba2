/**
 * ONNX export parity: every head (and ensembles) exported with policyToOnnx, loaded by ONNX Runtime for
 * Node, agrees with the TypeScript runtime (Policy / DenseStack) to within 1e-5 on fixture observations.
 * cvae and diffusion export their networks; their documented sampling procedures (docs/FORMATS.md), run
 * here against ONNX Runtime, reproduce the runtime's deterministic actions. Image policies (ConvNet
 * encoders, one or more cameras, spatial softmax or average pooling, with or without a state vector) agree
 * with the runtime's plain-JS encoder (conv.ts) the same way, on a CarTrackPixels-v0-sized policy too.
 */
import * as tf from "@tensorflow/tfjs";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { NOISE_QUANTILE } from "../../trainer/policy/heads/generative";
import { decodePolicyBlob } from "../../trainer/policy/blob";
import { denseStackFromArtifacts } from "../../trainer/policy/dense";
import { convEncoderFromArtifacts } from "../../trainer/policy/conv";
import { encoderNetIndex } from "../../trainer/policy/encoder-layout";
import { CARTRACK_PIXELS_SPEC, CarTrackPixelsEnv } from "../../envs/cartrack-pixels/cartrack-pixels";
import { alphaBars, samplingTimesteps, TIME_EMBED_DIM, timeEmbedding } from "../../trainer/policy/heads/diffusion";
import { squashLogStd } from "../../trainer/policy/heads/types";
import { normalizeObservations } from "../../trainer/policy/normalize";
import { policyToOnnx } from "../../trainer/policy/onnx";
import { policyDownload } from "../../server/policies/policy-download";
import { Policy } from "../../trainer/policy/policy";
import { ZConvEncoder, type TCamera, type THeadConfig, type TPolicySpec } from "../../contracts/policy-spec";
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

// ---- image policies ------------------------------------------------------------------------------

interface VisionCase {
  readonly cameras: readonly TCamera[];
  readonly encoder: Partial<ReturnType<typeof ZConvEncoder.parse>>;
  readonly obsDim: number;
  readonly head: THeadConfig;
  readonly space: TPolicySpec["actionSpace"];
  readonly M: number;
}

/** An image policy blob with random head weights and conv/projection biases (kernels keep He init). */
async function makeVisionBlob(c: VisionCase, seed: number): Promise<Uint8Array> {
  const d = c.space.type === "box" ? c.space.shape[0] : 1;
  const spec = {
    obsDim: c.obsDim,
    actionSpace: c.space,
    head: c.head,
    network: { hidden: [16], activation: "relu" },
    ensembleSize: c.M,
    normalization: {
      obsMean: Array.from({ length: c.obsDim }, (_, j) => 0.1 * j),
      obsStd: Array.from({ length: c.obsDim }, (_, j) => 0.5 + 0.25 * j),
      actCenter: c.space.type === "box" ? Array.from({ length: d }, (_, j) => (c.space.type === "box" ? ((c.space.low[j] as number) + (c.space.high[j] as number)) / 2 : 0)) : [0],
      actScale: c.space.type === "box" ? Array.from({ length: d }, (_, j) => (c.space.type === "box" ? ((c.space.high[j] as number) - (c.space.low[j] as number)) / 2 : 1)) : [1],
    },
    vision: { cameras: c.cameras, encoder: ZConvEncoder.parse(c.encoder) },
  } as TPolicySpec;
  const { members } = createTfMembers(spec, seed);
  let s = seed;
  for (const m of members) {
    for (const net of m.nets) for (const layer of net.layers) layer.setWeights(layer.getWeights().map((w) => tf.randomNormal(w.shape, 0, 0.6, "float32", s++)));
    for (const v of m.extras.values()) v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", s++));
    // Biases too (zero at init); kernels keep He/Glorot init so activations stay in a realistic range.
    for (const e of m.encoders) {
      for (const layer of [...e.conv.layers, ...e.projection.layers]) {
        const [kernel, bias] = layer.getWeights();
        layer.setWeights([kernel as tf.Tensor, tf.randomNormal((bias as tf.Tensor).shape, 0, 0.1, "float32", s++)]);
      }
    }
  }
  const blob = await serializeTfMembers(spec, members, {});
  disposeTfMembers(members);
  return blob;
}

/** Random pixels, the first row all black and the second all white (saturated ends of uint8). */
function fixtureImages(camera: TCamera, batch: number, seed: number): Uint8Array {
  const size = camera.shape[0] * camera.shape[1] * camera.shape[2];
  const rng = mulberry32(seed);
  const px = Uint8Array.from({ length: batch * size }, () => Math.floor(rng() * 256));
  px.fill(0, 0, size);
  px.fill(255, size, 2 * size);
  return px;
}

type Feed = { type: "float32"; data: Float32Array; dims: number[] } | { type: "uint8"; data: Uint8Array; dims: number[] };

async function runFeeds(model: Uint8Array, feeds: Record<string, Feed>) {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, v.dims)])));
  const inputs = [...session.inputNames];
  await session.release();
  return { out, inputs };
}

/** The runtime's own pieces (conv.ts encoders, DenseStack) → member m's first head network's raw output. */
function tsHeadOutput(blob: Uint8Array, m: number, state: Float32Array, images: readonly Uint8Array[], batch: number): Float32Array {
  const decoded = decodePolicyBlob(blob);
  const { spec } = decoded.header;
  const policy = Policy.fromBlob(blob);
  const nHeadNets = policy.head.nets.length;
  const features = spec.vision!.cameras.map((cam, c) => {
    const at = encoderNetIndex(nHeadNets, c);
    return convEncoderFromArtifacts(cam.shape, spec.vision!.encoder, decoded.net(m, at.conv), decoded.net(m, at.projection)).forward(images[c] as Uint8Array, batch);
  });
  const norm = normalizeObservations(spec.normalization, state, batch);
  const parts = [...features, norm];
  const widths = parts.map((p) => p.length / batch);
  const w = widths.reduce((a, b) => a + b, 0);
  const input = new Float32Array(batch * w);
  for (let i = 0; i < batch; i++) {
    let o = i * w;
    parts.forEach((p, k) => {
      input.set(p.subarray(i * widths[k]!, (i + 1) * widths[k]!), o);
      o += widths[k]!;
    });
  }
  return denseStackFromArtifacts(decoded.net(m, 0)).forward(input, batch);
}

describe("ONNX export of image policies agrees with the TypeScript runtime (onnxruntime-node)", () => {
  const B = 24;
  const cases: Array<[string, VisionCase]> = [
    [
      "one camera + state, spatial softmax, categorical",
      { cameras: [{ name: "front", shape: [24, 24, 3] }], encoder: { channels: [8, 8], downsample: 1, pooling: "spatial-softmax", featureDim: 12 }, obsDim: OBS_DIM, head: { kind: "categorical" }, space: DISCRETE, M: 1 },
    ],
    [
      "two cameras (non-square RGB, greyscale) + state, average pooling, gaussian ensemble of 2",
      {
        cameras: [
          { name: "wrist.rgb", shape: [20, 13, 3] },
          { name: "depth_grey", shape: [16, 16, 1] },
        ],
        encoder: { channels: [6, 8, 8], downsample: 2, pooling: "avg", featureDim: 10 },
        obsDim: OBS_DIM,
        head: { kind: "gaussian", variance: "state" },
        space: BOX2,
        M: 2,
      },
    ],
    [
      "two cameras, 5×5 kernels, spatial softmax, gaussian (state σ)",
      {
        cameras: [
          { name: "left", shape: [17, 10, 3] },
          { name: "right", shape: [12, 12, 1] },
        ],
        encoder: { channels: [4, 6], kernelSize: 5, downsample: 2, pooling: "spatial-softmax", featureDim: 8 },
        obsDim: OBS_DIM,
        head: { kind: "gaussian", variance: "state" },
        space: BOX2,
        M: 1,
      },
    ],
    [
      "camera only (no state), mixture of 2 Gaussians",
      { cameras: [{ name: "image", shape: [16, 16, 3] }], encoder: { channels: [4, 4], downsample: 1, pooling: "spatial-softmax", featureDim: 8 }, obsDim: 0, head: { kind: "mog", components: 2 }, space: BOX2, M: 1 },
    ],
    [
      "one camera + state, autoregressive ensemble of 2",
      { cameras: [{ name: "image", shape: [16, 12, 3] }], encoder: { channels: [4, 4], downsample: 1, pooling: "avg", featureDim: 8 }, obsDim: OBS_DIM, head: { kind: "autoregressive", bins: 9 }, space: BOX2, M: 2 },
    ],
  ];
  for (const [name, c] of cases) {
    it(`${name}: inputs, params and the deterministic action within 1e-5`, async () => {
      const blob = await makeVisionBlob(c, 11 + name.length);
      const policy = Policy.fromBlob(blob);
      const rng = mulberry32(name.length);
      const state = Float32Array.from({ length: B * c.obsDim }, (_, i) => (rng() - 0.5) * (i % 13 === 0 ? 40 : 3));
      const images = c.cameras.map((cam, k) => fixtureImages(cam, B, 100 + k));
      const feeds: Record<string, Feed> = {};
      if (c.obsDim > 0) feeds.state = { type: "float32", data: state, dims: [B, c.obsDim] };
      c.cameras.forEach((cam, k) => (feeds[cam.name] = { type: "uint8", data: images[k]!, dims: [B, ...cam.shape] }));
      const { out, inputs } = await runFeeds(policyToOnnx(blob), feeds);
      expect(inputs.sort()).toEqual(Object.keys(feeds).sort());

      const dicts = Array.from({ length: B }, (_, i) => {
        const o: Record<string, unknown> = c.obsDim > 0 ? { state: state.subarray(i * c.obsDim, (i + 1) * c.obsDim) } : {};
        c.cameras.forEach((cam, k) => {
          const size = cam.shape[0] * cam.shape[1] * cam.shape[2];
          o[cam.name] = images[k]!.subarray(i * size, (i + 1) * size);
        });
        return o;
      });
      const expected = policy.actBatch(dicts).actions.flatMap((a) => (Array.isArray(a) ? a : [a]));
      const action = out.action!;
      expect(action.dims).toEqual(c.space.type === "discrete" ? [B] : [B, 2]);
      expect(maxAbsDiff(action.data as ArrayLike<number | bigint>, expected)).toBeLessThanOrEqual(TOL);
      expect(out.params!.dims.slice(0, 2)).toEqual([c.M, B]);

      // params of every member against the runtime's encoders + head network, element by element.
      const p = out.params!.data as Float32Array;
      const width = out.params!.dims[2]!;
      for (let m = 0; m < c.M; m++) {
        if (c.head.kind !== "categorical" && c.head.kind !== "gaussian") break;
        const raw = tsHeadOutput(blob, m, state, images, B);
        const mine = p.subarray(m * B * width, (m + 1) * B * width);
        const want = new Float32Array(B * width);
        for (let i = 0; i < B; i++) {
          const row = raw.subarray(i * width, (i + 1) * width);
          if (c.head.kind === "categorical") {
            const max = Math.max(...row);
            const e = Array.from(row, (v) => Math.exp(v - max));
            const z = e.reduce((a, b) => a + b, 0);
            e.forEach((v, j) => (want[i * width + j] = v / z));
          } else row.forEach((v, j) => (want[i * width + j] = j < width / 2 ? v : squashLogStd(v)));
        }
        expect(maxAbsDiff(mine, want), `member ${m}`).toBeLessThanOrEqual(TOL);
      }
    });
  }

  it("a CarTrackPixels-v0-sized policy (64×64×3 + speed, the default encoder) on rendered frames", async () => {
    const cam = CARTRACK_PIXELS_SPEC.cameras![0]!;
    expect(cam.shape).toEqual([64, 64, 3]);
    const space = CARTRACK_PIXELS_SPEC.actionSpace as TPolicySpec["actionSpace"];
    const c: VisionCase = { cameras: [cam], encoder: {}, obsDim: 1, head: { kind: "gaussian", variance: "state" }, space, M: 1 };
    const blob = await makeVisionBlob(c, 5);
    const policy = Policy.fromBlob(blob);
    // Frames the env renders along a few seeded episodes with wobbling steering.
    const env = new CarTrackPixelsEnv();
    const frames: Array<{ image: Uint8Array; state: number[] }> = [];
    for (let ep = 0; frames.length < 12; ep++) {
      env.reset(ep);
      for (let t = 0; t < 4 && frames.length < 12; t++) {
        frames.push({ image: env.observeImages().image!, state: env.observe() });
        if (env.step([Math.sin(t + ep)]).terminated) break;
      }
    }
    const n = frames.length;
    const images = new Uint8Array(n * 64 * 64 * 3);
    frames.forEach((f, i) => images.set(f.image, i * 64 * 64 * 3));
    const state = Float32Array.from(frames.map((f) => f.state[0]!));
    const { out } = await runFeeds(policyToOnnx(blob), { state: { type: "float32", data: state, dims: [n, 1] }, image: { type: "uint8", data: images, dims: [n, 64, 64, 3] } });
    const expected = policy.actBatch(frames).actions.flat() as number[];
    expect(out.action!.dims).toEqual([n, 1]);
    expect(maxAbsDiff(out.action!.data as Float32Array, expected)).toBeLessThanOrEqual(TOL);
    const raw = tsHeadOutput(blob, 0, state, [images], n);
    const want = Array.from(raw, (v, i) => (i % 2 === 0 ? v : squashLogStd(v)));
    expect(maxAbsDiff(out.params!.data as Float32Array, want)).toBeLessThanOrEqual(TOL);
  });

  it("cvae (learned prior) with a camera: the decoder at latent +Q reproduces the quantile-mode action", async () => {
    const cam: TCamera = { name: "image", shape: [16, 16, 3] };
    const head: THeadConfig = { kind: "cvae", latentDim: 2, prior: "learned", beta: 1, deterministicLatent: "quantile", freeBits: 0 };
    const blob = await makeVisionBlob({ cameras: [cam], encoder: { channels: [4, 4], downsample: 1, featureDim: 6 }, obsDim: OBS_DIM, head, space: BOX2, M: 1 }, 23);
    const policy = Policy.fromBlob(blob);
    const rng = mulberry32(5);
    const state = Float32Array.from({ length: B * OBS_DIM }, () => (rng() - 0.5) * 3);
    const images = fixtureImages(cam, B, 7);
    const { out } = await runFeeds(policyToOnnx(blob), {
      state: { type: "float32", data: state, dims: [B, OBS_DIM] },
      image: { type: "uint8", data: images, dims: [B, 16, 16, 3] },
      latent: { type: "float32", data: new Float32Array(B * 2).fill(NOISE_QUANTILE), dims: [B, 2] },
    });
    const p = out.params!.data as Float32Array;
    const { actCenter, actScale } = policy.spec.normalization;
    const mine = Array.from({ length: B }, (_, i) => [0, 1].map((j) => Math.min(Math.max(p[i * 4 + j]! * actScale[j]! + actCenter[j]!, BOX2.low[j]!), BOX2.high[j]!))).flat();
    const size = 16 * 16 * 3;
    const dicts = Array.from({ length: B }, (_, i) => ({ state: state.subarray(i * OBS_DIM, (i + 1) * OBS_DIM), image: images.subarray(i * size, (i + 1) * size) }));
    expect(maxAbsDiff(mine, policy.actBatch(dicts).actions.flat() as number[])).toBeLessThanOrEqual(TOL);
  });

  it("the server's download (GET …/policies/{v}?format=onnx) serves an image policy as an ONNX model", async () => {
    const c: VisionCase = { cameras: [{ name: "image", shape: [16, 16, 3] }], encoder: { channels: [4], downsample: 1, featureDim: 4 }, obsDim: 1, head: { kind: "gaussian", variance: "state" }, space: BOX2, M: 1 };
    const blob = await makeVisionBlob(c, 9);
    const res = policyDownload({ version: 4 }, blob, "onnx");
    expect(res.headers.get("content-type")).toBe("application/onnx");
    expect(res.headers.get("content-disposition")).toContain("policy-v4.onnx");
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()));
    expect([...session.inputNames].sort()).toEqual(["image", "state"]);
    expect([...session.outputNames].sort()).toEqual(["action", "params"]);
    await session.release();
    // The camera inputs are described in the model's metadata for code that reads it.
    const model = onnxProto.onnx.ModelProto.decode(new Uint8Array(await policyDownload({ version: 4 }, blob, "onnx").arrayBuffer()));
    const meta = JSON.parse(model.metadataProps.find((p) => p.key === "corrective")!.value!) as { cameras: unknown };
    expect(meta.cameras).toEqual([{ name: "image", dtype: "uint8", layout: "NHWC", shape: ["batch", 16, 16, 3], scaling: "x / 255 inside the graph" }]);
    const input = model.graph!.input!.find((i) => i.name === "image")!;
    expect(input.type!.tensorType!.elemType).toBe(onnxProto.onnx.TensorProto.DataType.UINT8);
  });

  it("a camera named like one of the graph's own tensors is refused with its name", async () => {
    const c: VisionCase = { cameras: [{ name: "action", shape: [8, 8, 1] }], encoder: { channels: [2], downsample: 0, featureDim: 2 }, obsDim: 1, head: { kind: "categorical" }, space: DISCRETE, M: 1 };
    const blob = await makeVisionBlob(c, 3);
    expect(() => policyToOnnx(blob)).toThrow(/camera "action"/);
    // `latent` is only taken by the cvae head's graph.
    const ok = await makeVisionBlob({ ...c, cameras: [{ name: "latent", shape: [8, 8, 1] }] }, 3);
    expect(() => policyToOnnx(ok)).not.toThrow();
    const cvae = await makeVisionBlob({ ...c, cameras: [{ name: "latent", shape: [8, 8, 1] }], head: { kind: "cvae", latentDim: 2, prior: "standard", beta: 1, deterministicLatent: "quantile", freeBits: 0 }, space: BOX2 }, 3);
    expect(() => policyToOnnx(cvae)).toThrow(/camera "latent"/);
  });
});
