/**
 * trainPolicy: no tensor leaks across epochs or runs, early stopping restores the best epoch,
 * cancellation and the time budget stop it, the backend is reported, bad input is rejected.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { makeDataset } from "../../trainer/dataset";
import { TrainingCancelledError } from "../../trainer/errors";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import { BOX1, bimodalDataset, halfPlaneDataset, regressionDataset, testBackend } from "./helpers";

beforeAll(async () => {
  await testBackend();
});

describe("trainPolicy", () => {
  it("does not leak tensors: the count is constant across epochs and returns to the baseline", async () => {
    for (const head of [
      { kind: "gaussian", variance: "global" },
      { kind: "mog", components: 3 },
      { kind: "autoregressive", bins: 11 },
    ] as const) {
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      await trainPolicy(bimodalDataset(600), { actionSpace: BOX1, head, ensembleSize: 2, epochs: 6, patience: 100, seed: 1 }, {
        onProgress: (p) => counts.push(p.numTensors),
      });
      expect(counts).toHaveLength(6);
      // From the second epoch on (the best-weights snapshot exists from epoch 1) nothing accumulates.
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    }
    const before = tf.memory().numTensors;
    await trainPolicy(halfPlaneDataset(300), { actionSpace: { type: "discrete", n: 2 }, epochs: 3 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reports backend, loss curve, timings and throughput", async () => {
    const r = await trainPolicy(regressionDataset(500, 0.05), { actionSpace: BOX1, epochs: 4, patience: 100 });
    expect(r.backend.name).toBe("wasm");
    expect(r.backend.wasmMatMulFix).toBe(true);
    expect(r.backend.detail).toMatch(/wasm \(SIMD, MatMul fix\)/);
    expect(r.lossCurve.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(r.lossCurve.every((e) => Number.isFinite(e.loss) && e.valLoss !== null)).toBe(true);
    expect(r.lossCurve[3]!.loss).toBeLessThan(r.lossCurve[0]!.loss);
    expect(r.nTrain + r.nVal).toBe(500);
    expect(r.nVal).toBe(50);
    expect(r.samplesPerSec).toBeGreaterThan(0);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.trainMs);
    expect(r.stopReason).toBe("epochs");
  });

  it("stops early when the validation loss stops improving and keeps the best epoch", async () => {
    // Pure noise targets: nothing to learn beyond the mean, so validation loss plateaus quickly.
    const rng = mulberry32(42);
    const obs = Array.from({ length: 200 }, () => [rng(), rng()]);
    const act = obs.map(() => [rng() * 2 - 1]);
    const r = await trainPolicy(makeDataset(obs, act), { actionSpace: BOX1, epochs: 500, patience: 5, learningRate: 1e-2 });
    expect(r.stopReason).toBe("early-stopping");
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochsRun).toBe(r.bestEpoch + 5);
    const best = Math.min(...r.lossCurve.map((e) => e.valLoss as number));
    expect(r.bestValLoss).toBeCloseTo(best, 6);
  });

  it("is cancelled through isCancelled and leaves no tensors behind", async () => {
    const before = tf.memory().numTensors;
    let epochs = 0;
    await expect(
      trainPolicy(bimodalDataset(2000), { actionSpace: BOX1, head: { kind: "mog", components: 2 }, epochs: 1000, patience: 1000 }, {
        onProgress: (p) => (epochs = p.epoch),
        isCancelled: () => epochs >= 2,
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(epochs).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops at the time budget", async () => {
    const r = await trainPolicy(bimodalDataset(2000), { actionSpace: BOX1, epochs: 10_000, patience: 10_000, maxTrainMs: 300 });
    expect(r.stopReason).toBe("time-budget");
    expect(r.timings.trainMs).toBeLessThan(3000);
  });

  it("rejects mismatched or invalid input with readable errors", async () => {
    const ds = regressionDataset(50, 0.1);
    await expect(trainPolicy(ds, { actionSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] } })).rejects.toThrow(/action space needs 2/);
    await expect(trainPolicy(ds, { actionSpace: BOX1, head: { kind: "categorical" } })).rejects.toThrow(/discrete/);
    await expect(trainPolicy(ds, { actionSpace: BOX1, epochs: 0 })).rejects.toThrow();
    const bad = makeDataset([[0], [1]], [5, 1]);
    await expect(trainPolicy(bad, { actionSpace: { type: "discrete", n: 2 } })).rejects.toThrow(/outside 0..1/);
  });
});
