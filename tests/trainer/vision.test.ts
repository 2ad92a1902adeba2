/**
 * Policies that see: the ConvNet encoder (trainer/policy/vision-tf.ts, its plain-JS twin conv.ts) fused
 * with the state and fed to the existing heads. It learns a synthetic image task on wasm, random-shift
 * augmentation is on by default and off when asked, save → load acts identically, nothing leaks,
 * cancel works, and the worker trains image datasets. Small images (16×16, 24×24) keep it short.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { TrainingCancelledError } from "../../trainer/errors";
import { cachedImages, inMemoryImages, loadImageBatch, makeImageDataset } from "../../trainer/images";
import { convEncoderFromArtifacts } from "../../trainer/policy/conv";
import { saveArtifacts } from "../../trainer/policy/mlp";
import { Policy } from "../../trainer/policy/policy";
import { ZConvEncoder, ZPolicySpec, type TConvEncoder } from "../../contracts/policy-spec";
import { disposeTfMembers, loadTfMembers, memberInputs, serializeTfMembers } from "../../trainer/policy/tf-members";
import { buildEncoder, conv2dSame, convFilterGrad, convInputGrad, encodeImages } from "../../trainer/policy/vision-tf";
import { ZTrainConfig, type TTrainConfigInput } from "../../contracts/trainer-protocol";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import { TrainerWorker } from "../../trainer/worker/client";
import { halfPlaneDataset, testBackend } from "./helpers";
import { blobDataset, camera, dictObservations, expectCancelAfterFirstEpoch } from "./vision-helpers";

const SMALL: TConvEncoder = ZConvEncoder.parse({ channels: [8, 16, 16], featureDim: 32 });
const TINY: TConvEncoder = ZConvEncoder.parse({ channels: [4, 4], featureDim: 8 });
const QUADRANTS = { type: "discrete", n: 4 } as const;
const X_BOX = { type: "box", shape: [1], low: [-1], high: [1] } as const;

beforeAll(async () => {
  await testBackend();
});

const maxAbsDiff = async (a: tf.Tensor, b: tf.Tensor): Promise<number> => {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0] as number;
  d.dispose();
  return v;
};

describe("convolution gradients without Conv2DBackpropFilter", () => {
  it("wasm lacks the filter-gradient kernel (why conv2dSame exists) and conv2dSame still trains there", () => {
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    const x = tf.randomUniform([2, 9, 9, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const k = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, "float32", 2));
    const g = tf.grad((kk: tf.Tensor) => tf.sum(tf.square(conv2dSame(x, kk as tf.Tensor4D, 2))))(k);
    expect(g.shape).toEqual([3, 3, 3, 4]);
    tf.dispose([x, k, g]);
  });

  it("the filter and input gradients equal tfjs' own (checked on the cpu backend), strides 1 and 2, odd and even sizes", async () => {
    await tf.setBackend("cpu");
    try {
      for (const [h, w, s, k] of [[8, 8, 2, 3], [9, 7, 2, 3], [8, 9, 1, 3], [10, 10, 2, 5], [7, 7, 1, 1]] as const) {
        const x = tf.randomNormal([3, h, w, 2], 0, 1, "float32", h * w) as tf.Tensor4D;
        const kernel = tf.randomNormal([k, k, 2, 5], 0, 1, "float32", k + s) as tf.Tensor4D;
        const y = tf.conv2d(x, kernel, s, "same");
        const dy = tf.randomNormal(y.shape, 0, 1, "float32", 7) as tf.Tensor4D;
        const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, "same"), dy)))([x, kernel]);
        const ours = { dk: convFilterGrad(x, dy, kernel.shape, s), dx: convInputGrad(dy, kernel, x.shape, s) };
        expect(await maxAbsDiff(ours.dk, gk as tf.Tensor), `dk ${h}×${w} s${s} k${k}`).toBeLessThan(1e-4);
        expect(await maxAbsDiff(ours.dx, gx as tf.Tensor), `dx ${h}×${w} s${s} k${k}`).toBeLessThan(1e-4);
        tf.dispose([x, kernel, y, dy, gx as tf.Tensor, gk as tf.Tensor, ours.dk, ours.dx]);
      }
    } finally {
      await tf.setBackend("wasm");
    }
  });
});

describe("the encoder in plain JavaScript", () => {
  it("matches the tfjs graph (spatial softmax and average pooling, odd image sizes)", async () => {
    for (const pooling of ["spatial-softmax", "avg"] as const) {
      const cam = { name: "front", shape: [13, 11, 3] as const };
      const enc = { ...SMALL, pooling };
      const tfEnc = buildEncoder(cam, enc, 5);
      const rng = mulberry32(3);
      const pixels = Uint8Array.from({ length: 4 * 13 * 11 * 3 }, () => Math.floor(rng() * 256));
      const x = tf.tensor4d(Int32Array.from(pixels), [4, 13, 11, 3], "int32");
      const viaTf = encodeImages(tfEnc, pooling, x);
      const expected = await viaTf.data();
      const js = convEncoderFromArtifacts(cam.shape, enc, await saveArtifacts(tfEnc.conv), await saveArtifacts(tfEnc.projection)).forward(pixels, 4);
      expect(js.length).toBe(expected.length);
      let worst = 0;
      js.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (expected[i] as number)))));
      expect(worst, pooling).toBeLessThan(1e-4);
      tf.dispose([x, viaTf]);
      tfEnc.conv.dispose();
      tfEnc.projection.dispose();
    }
  });
});

describe("image policies", () => {
  let quadrantBlob: Uint8Array;
  let quadrantMeta: Record<string, unknown>;

  it("learn which quadrant a bright square is in, to high accuracy on held-out images (augmentation on by default)", async () => {
    const { dataset } = blobDataset(400, 24, "quadrant", 1);
    const result = await trainPolicy(dataset, {
      actionSpace: QUADRANTS,
      vision: { cameras: [camera(24)], encoder: SMALL },
      epochs: 12,
      batchSize: 32,
      learningRate: 3e-3,
      patience: 12,
      seed: 1,
    });
    quadrantBlob = result.blob;
    const policy = Policy.fromBlob(result.blob);
    quadrantMeta = policy.meta as Record<string, unknown>;
    expect(policy.isVisual).toBe(true);
    expect(policy.spec.vision?.cameras).toEqual([camera(24)]);
    const test = blobDataset(200, 24, "quadrant", 99);
    const actions = policy.actBatch(dictObservations(test.samples, test.states)).actions;
    const accuracy = actions.filter((a, i) => a === test.samples[i]?.quadrant).length / actions.length;
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.backend.name).toBe("wasm");
  }, 120_000);

  it("augmentation: on (4 px) by default, recorded with the policy; off when asked", async () => {
    expect(ZTrainConfig.parse({ actionSpace: QUADRANTS }).randomShift).toBe(4);
    expect(quadrantMeta["randomShift"]).toBe(4);
    const { dataset } = blobDataset(64, 16, "quadrant", 2);
    const base: TTrainConfigInput = { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, epochs: 2, batchSize: 16, validationSplit: 0, seed: 3 };
    const on = await trainPolicy(dataset, base);
    const off = await trainPolicy(dataset, { ...base, randomShift: 0 });
    const offAgain = await trainPolicy(dataset, { ...base, randomShift: 0 });
    // Same seed, same initial weights: only the shifted pixels differ.
    expect(off.lossCurve).toEqual(offAgain.lossCurve);
    expect(on.lossCurve[0]?.loss).not.toBe(off.lossCurve[0]?.loss);
    expect(Policy.fromBlob(off.blob).meta["randomShift"]).toBe(0);
  }, 60_000);

  it("random shift moves the whole image by whole pixels and replicates the border; shift 0 is the identity", async () => {
    const size = 16;
    const rng = mulberry32(9);
    const px = Uint8Array.from({ length: size * size * 3 }, () => Math.floor(rng() * 256));
    const source = inMemoryImages([camera(size)], [px], 1);
    const plain = await loadImageBatch(source, 0, [0], 0, rng);
    expect(Array.from(plain)).toEqual(Array.from(px));
    let moved = 0;
    for (let t = 0; t < 20; t++) {
      const shifted = await loadImageBatch(source, 0, [0], 4, rng);
      // Find the offset: every output pixel must be the clamped input pixel at (y+dy, x+dx).
      let found = false;
      for (let dy = -4; dy <= 4 && !found; dy++) {
        for (let dx = -4; dx <= 4 && !found; dx++) {
          let ok = true;
          for (let y = 0; y < size && ok; y++) {
            for (let x = 0; x < size && ok; x++) {
              const sy = Math.min(Math.max(y + dy, 0), size - 1);
              const sx = Math.min(Math.max(x + dx, 0), size - 1);
              for (let c = 0; c < 3; c++) if (shifted[(y * size + x) * 3 + c] !== px[(sy * size + sx) * 3 + c]) ok = false;
            }
          }
          if (ok) {
            found = true;
            if (dx !== 0 || dy !== 0) moved++;
          }
        }
      }
      expect(found).toBe(true);
    }
    expect(moved).toBeGreaterThan(10);
  });

  it("save → load gives identical actions (JS), tfjs reloads the same networks and re-serialises to the same actions", async () => {
    const test = blobDataset(40, 24, "quadrant", 7);
    const obs = dictObservations(test.samples, test.states);
    const a = Policy.fromBlob(quadrantBlob);
    const b = Policy.fromBlob(new Uint8Array(Array.from(quadrantBlob)));
    expect(b.actBatch(obs)).toEqual(a.actBatch(obs));
    expect(b.actBatch(obs, { deterministic: false, rng: mulberry32(4) })).toEqual(a.actBatch(obs, { deterministic: false, rng: mulberry32(4) }));

    const { spec, members } = await loadTfMembers(quadrantBlob);
    try {
      expect(ZPolicySpec.parse(spec)).toEqual(a.spec);
      // tfjs forward (graph) agrees with the plain-JS forward on the chosen actions.
      const member = members[0]!;
      const state = tf.tensor2d(test.states.map((s) => (s[0]! - spec.normalization.obsMean[0]!) / spec.normalization.obsStd[0]!), [40, 1]);
      const pixels = tf.tensor4d(Int32Array.from(obs.flatMap((o) => Array.from(o.image))), [40, 24, 24, 3], "int32");
      const logits = (member.nets[0] as tf.Sequential).apply(memberInputs(spec, member, state, [pixels])) as tf.Tensor2D;
      const tfActions = Array.from(await tf.argMax(logits, 1).data());
      expect(tfActions).toEqual(a.actBatch(obs).actions);
      tf.dispose([state, pixels, logits]);
      const again = await serializeTfMembers(spec, members, a.meta as Record<string, unknown>);
      expect(Policy.fromBlob(again).actBatch(obs)).toEqual(a.actBatch(obs));
    } finally {
      disposeTfMembers(members);
    }
  });

  it("Dict observations are checked: a missing camera or a wrong-sized image is named", () => {
    const policy = Policy.fromBlob(quadrantBlob);
    expect(() => policy.act({ state: [0] })).toThrow(/"image" is missing/);
    expect(() => policy.act({ state: [0], image: new Uint8Array(10) })).toThrow(/"image" has 10 values, expected 24×24×3/);
    expect(() => policy.act([0.5])).toThrow(/not a Dict/);
    expect(() => policy.act({ image: new Uint8Array(24 * 24 * 3) })).toThrow(/"state" is missing/);
    // Nested [H][W][C] arrays work like flat bytes.
    const { samples, states } = blobDataset(1, 24, "quadrant", 5);
    const flat = samples[0]!.pixels;
    const nested = Array.from({ length: 24 }, (_, y) => Array.from({ length: 24 }, (_, x) => Array.from(flat.subarray((y * 24 + x) * 3, (y * 24 + x) * 3 + 3))));
    expect(policy.act({ state: states[0]!, image: nested })).toEqual(policy.act({ state: states[0]!, image: flat }));
  });

  it("every head trains on images with the fused state (an ensemble too), without leaking tensors", async () => {
    const quad = blobDataset(48, 16, "quadrant", 3).dataset;
    const xs = blobDataset(48, 16, "x", 3);
    const vision = { cameras: [camera(16)], encoder: TINY };
    const quick = { epochs: 3, batchSize: 16, patience: 10, seed: 2, vision } as const;
    const before = tf.memory().numTensors;
    const cases: Array<[string, TTrainConfigInput, typeof quad]> = [
      ["categorical ×2", { ...quick, actionSpace: QUADRANTS, ensembleSize: 2 }, quad],
      ["gaussian", { ...quick, actionSpace: X_BOX, head: { kind: "gaussian", variance: "state" } }, xs.dataset],
      ["mog", { ...quick, actionSpace: X_BOX, head: { kind: "mog", components: 2 } }, xs.dataset],
      ["autoregressive", { ...quick, actionSpace: X_BOX, head: { kind: "autoregressive", bins: 9 } }, xs.dataset],
      ["cvae", { ...quick, actionSpace: X_BOX, head: { kind: "cvae" } }, xs.dataset],
      ["diffusion", { ...quick, actionSpace: X_BOX, head: { kind: "diffusion", steps: 10, sampleSteps: 3 } }, xs.dataset],
    ];
    const obs = dictObservations(xs.samples.slice(0, 5), xs.states.slice(0, 5));
    for (const [name, config, ds] of cases) {
      const counts: number[] = [];
      const r = await trainPolicy(ds, config, { onProgress: (p) => counts.push(p.numTensors) });
      expect(new Set(counts.slice(1)).size, `${name}: tensors per epoch ${counts.join(",")}`).toBe(1);
      expect(tf.memory().numTensors, name).toBe(before);
      const out = Policy.fromBlob(r.blob).actBatch(obs);
      expect(out.actions, name).toHaveLength(5);
      expect(out.actions.flat().every(Number.isFinite), name).toBe(true);
    }
  }, 120_000);

  it("is cancelled between batches and leaves no tensors behind; a state-only spec carries no `vision` key", async () => {
    const { dataset } = blobDataset(96, 16, "quadrant", 4);
    const before = tf.memory().numTensors;
    let epochs = 0;
    await expect(
      trainPolicy(dataset, { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, epochs: 1000, batchSize: 8 }, {
        yieldEveryMs: 1,
        onProgress: (p) => (epochs = p.epoch),
        isCancelled: () => epochs >= 1,
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(tf.memory().numTensors).toBe(before);
    const mlp = await trainPolicy(halfPlaneDataset(100), { actionSpace: { type: "discrete", n: 2 }, epochs: 1 });
    expect("vision" in mlp.spec).toBe(false);
    expect(new TextDecoder().decode(mlp.blob.subarray(12, 12 + new DataView(mlp.blob.buffer, mlp.blob.byteOffset).getUint32(8, true)))).not.toContain("vision");
  }, 60_000);

  it("two cameras of different shapes each get an encoder; the policy acts on both", async () => {
    const { dataset, samples, states } = blobDataset(48, 16, "quadrant", 11);
    const wrist = { name: "wrist", shape: [8, 8, 1] as const };
    const rng = mulberry32(12);
    const wristPixels = Uint8Array.from({ length: 48 * 64 }, () => Math.floor(rng() * 256));
    const both = { ...dataset, images: inMemoryImages([camera(16), wrist], [(dataset.images as unknown as { pixels: Uint8Array[] }).pixels[0]!, wristPixels], 48) };
    const r = await trainPolicy(both, { actionSpace: QUADRANTS, vision: { cameras: [camera(16), wrist], encoder: TINY }, epochs: 2, batchSize: 16, seed: 1 });
    const { members } = await loadTfMembers(r.blob);
    expect(members[0]!.encoders).toHaveLength(2);
    disposeTfMembers(members);
    const obs = samples.slice(0, 4).map((sm, i) => ({ state: states[i]!, image: sm.pixels, wrist: wristPixels.subarray(i * 64, (i + 1) * 64) }));
    const out = Policy.fromBlob(r.blob).actBatch(obs);
    expect(out.actions).toHaveLength(4);
    expect(Policy.fromBlob(new Uint8Array(Array.from(r.blob))).actBatch(obs)).toEqual(out);
    expect(() => Policy.fromBlob(r.blob).act({ state: states[0]!, image: samples[0]!.pixels })).toThrow(/"wrist" is missing/);
  });

  it("camera-only policies (no state vector, as a Dict space without `state`) train and act", async () => {
    const { dataset, samples } = blobDataset(48, 16, "quadrant", 13);
    const before = tf.memory().numTensors;
    const r = await trainPolicy({ ...dataset, obsDim: 0, observations: new Float32Array(0) }, { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, epochs: 2, batchSize: 16, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.spec.obsDim).toBe(0);
    const policy = Policy.fromBlob(r.blob);
    const out = policy.actBatch(samples.slice(0, 3).map((sm) => ({ image: sm.pixels })));
    expect(out.actions).toHaveLength(3);
    expect(policy.act({ image: samples[0]!.pixels })).toEqual(policy.act({ image: samples[0]!.pixels, state: [] }));
    await expect(trainPolicy({ ...dataset, obsDim: 0, observations: new Float32Array(0), images: undefined }, { actionSpace: QUADRANTS, epochs: 1 })).rejects.toThrow(/at least one element/);
  });

  it("an image that cannot be read ends training with its error and no leaked tensors", async () => {
    const { dataset } = blobDataset(32, 16, "quadrant", 4);
    const broken = cachedImages([camera(16)], async (ids) => ids.map((i) => ({ image: i === 5 ? new Uint8Array(7) : (dataset.images!.load(i, 0) as Uint8Array) })), { maxBytes: 1 << 20 });
    const before = tf.memory().numTensors;
    await expect(trainPolicy({ ...dataset, images: broken }, { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, epochs: 2, batchSize: 8 })).rejects.toThrow(/sample 5, camera "image": 7 bytes/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects a dataset whose cameras differ from the config, and images without `vision`", async () => {
    const { dataset } = blobDataset(16, 16, "quadrant", 4);
    await expect(trainPolicy(dataset, { actionSpace: QUADRANTS, epochs: 1 })).rejects.toThrow(/has images but the training config has no `vision`/);
    await expect(trainPolicy(dataset, { actionSpace: QUADRANTS, epochs: 1, vision: { cameras: [camera(24)] } })).rejects.toThrow(/cameras \(image 16×16×3\) differ/);
    await expect(trainPolicy({ ...dataset, images: undefined }, { actionSpace: QUADRANTS, epochs: 1, vision: { cameras: [camera(16)] } })).rejects.toThrow(/carries no images/);
    expect(() => ZTrainConfig.parse({ actionSpace: QUADRANTS, vision: { cameras: [{ name: "state", shape: [16, 16, 3] }] } })).toThrow(/state/);
    expect(() => ZTrainConfig.parse({ actionSpace: QUADRANTS, vision: { cameras: [{ name: "cam", shape: [16, 16, 5] }] } })).toThrow();
  });
});

describe("image sources", () => {
  it("makeImageDataset turns Dict observations into state rows and in-memory pixels, checking shapes", async () => {
    const { dataset, samples, states } = blobDataset(5, 16, "quadrant", 8);
    const built = makeImageDataset(dictObservations(samples, states), samples.map((s) => s.quadrant), [camera(16)], 1);
    expect(Array.from(built.observations)).toEqual(Array.from(dataset.observations));
    expect(Array.from(built.actions)).toEqual(Array.from(dataset.actions));
    expect(Array.from(await built.images!.load(3, 0))).toEqual(Array.from(await dataset.images!.load(3, 0)));
    expect(() => makeImageDataset([{ state: [0], image: new Uint8Array(3) }], [0], [camera(16)], 1)).toThrow(/"image" has 3 values/);
  });

  it("the decode cache is bounded (it keeps what fits, then drops), reads a batch's misses in one call, shares concurrent decodes and names bad images", async () => {
    const cam = camera(8);
    const size = 8 * 8 * 3;
    const calls: number[][] = [];
    const source = cachedImages(
      [cam],
      async (ids) => {
        calls.push([...ids]);
        await new Promise((r) => setTimeout(r, 1));
        return ids.map((i): Record<string, Uint8Array> => (i === 98 ? {} : { image: i === 99 ? new Uint8Array(5) : new Uint8Array(size).fill(i) }));
      },
      { maxBytes: 3 * size },
    );
    await Promise.all([source.load(0, 0), source.load(0, 0)]);
    expect(calls).toEqual([[0]]);
    await source.prefetch([1, 2, 3, 2]);
    // One call for the batch; 0, 1, 2 fill the cache, so 3 is used and not kept.
    expect((await Promise.all([1, 2, 3].map((i) => source.load(i, 0)))).map((px) => px[0])).toEqual([1, 2, 3]);
    expect(calls).toEqual([[0], [1, 2, 3]]);
    expect(source.stats().bytes).toBe(3 * size);
    await source.load(0, 0);
    await source.load(3, 0);
    expect(calls).toEqual([[0], [1, 2, 3], [3]]);
    expect(source.stats()).toMatchObject({ misses: 5, hits: 1, notKept: 2, bytes: 3 * size, peakBytes: 3 * size, maxBytes: 3 * size });
    await expect(source.load(99, 0)).rejects.toThrow(/sample 99, camera "image": 5 bytes, expected 192/);
    await expect(source.load(98, 0)).rejects.toThrow(/sample 98, camera "image": missing/);
    // Rows sharing a key (a state labelled twice) share one decode and one cache entry.
    const asked: number[][] = [];
    const keyed = cachedImages([cam], async (keys) => {
      asked.push([...keys]);
      return keys.map((k) => ({ image: new Uint8Array(size).fill(k + 1) }));
    }, { maxBytes: 1 << 20, keyOf: (i) => [0, 1, 0, 2][i]! });
    await keyed.prefetch([0, 1, 2]);
    expect([(await keyed.load(0, 0))[0], (await keyed.load(1, 0))[0], (await keyed.load(2, 0))[0]]).toEqual([1, 2, 1]);
    expect(asked).toEqual([[0, 1]]);
    expect(keyed.stats()).toMatchObject({ misses: 2, hits: 2, bytes: 2 * size }); // row 0 waited on its decode; rows 1 and 2 hit
  });
});

describe("image policies in the training worker", () => {
  it("trains an image dataset with progress and returns a policy that sees", async () => {
    const worker = TrainerWorker.start({ onLog: () => undefined });
    try {
      await worker.ready();
      const { dataset, samples, states } = blobDataset(64, 16, "quadrant", 6);
      const epochs: number[] = [];
      const result = await worker.train(dataset, { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, epochs: 3, batchSize: 16, patience: 10 }, {
        onProgress: (p) => epochs.push(p.epoch),
      }).result;
      expect(epochs).toEqual([1, 2, 3]);
      expect(result.spec.vision?.encoder).toEqual(TINY);
      expect(Policy.fromBlob(result.blob).actBatch(dictObservations(samples.slice(0, 3), states.slice(0, 3))).actions).toHaveLength(3);
      // The caller's pixels were copied, not transferred.
      expect((dataset.images as unknown as { pixels: Uint8Array[] }).pixels[0]!.length).toBe(64 * 16 * 16 * 3);
      await expectCancelAfterFirstEpoch(worker, dataset, { actionSpace: QUADRANTS, vision: { cameras: [camera(16)], encoder: TINY }, batchSize: 16 });
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
