/**
 * The server's simulation worker (server/simulation/sim-worker.ts) runs an image policy's convolutions on tfjs
 * wasm (trainer/policy/tf-acting.ts) instead of the plain-JS encoder: the evaluation and the rollouts it returns
 * must be those of the plain-JS policy — the same episodes, the same returns (features agree to ≈ 1e-7).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { simulateEvaluation, simulateRollouts } from "../../server/simulation/simulate";
import { evaluatePolicy } from "../../trainer/evaluate";
import { Policy } from "../../trainer/policy/policy";
import { rollout } from "../../trainer/rollout";
import { trainPolicy } from "../../trainer/train";
import { testBackend } from "./helpers";
import { blobDataset, camera } from "./vision-helpers";

const ENV = "CarTrackPixels-v0";
let blob: Uint8Array;

beforeAll(async () => {
  await testBackend();
  // A small image policy steering from the env's 64×64 camera (what it learned does not matter: equality does).
  const { dataset } = blobDataset(48, 64, "x", 5);
  const result = await trainPolicy(dataset, { actionSpace: { type: "box", shape: [1], low: [-1], high: [1] }, vision: { cameras: [camera(64)] }, epochs: 2, batchSize: 16, seed: 4 });
  blob = result.blob;
});

describe("the simulation worker with an image policy", () => {
  it("evaluates it as the plain-JS policy does: same episode lengths and returns", async () => {
    const plain = evaluatePolicy(Policy.fromBlob(blob), { envId: ENV, episodes: 2, firstSeed: 40 });
    const started = performance.now();
    const worker = await simulateEvaluation({ kind: "evaluate", envId: ENV, episodes: 2, firstSeed: 40, blob });
    console.log(`[sim-worker] 2 evaluation episodes of ${worker.meanLength} steps on average: ${Math.round(performance.now() - started)} ms in the worker (tfjs encoders)`);
    expect(worker.episodes).toBe(2);
    expect(worker.meanLength).toBe(plain.meanLength);
    expect(worker.meanReturn).toBeCloseTo(plain.meanReturn, 3);
  });

  it("rolls it out as the plain-JS policy does: same trajectories, step by step", async () => {
    const request = { kind: "rollout" as const, envId: ENV, episodes: 1, firstSeed: 7, beta: 0, maxTotalSteps: 200, blob };
    const [worker] = await simulateRollouts(request);
    const [plain] = rollout({ envId: ENV, policy: Policy.fromBlob(blob), episodes: 1, firstSeed: 7, maxTotalSteps: 200 });
    expect(worker?.length).toBe(plain?.length);
    expect(worker?.steps.length).toBeGreaterThan(0);
    worker?.steps.forEach((s, t) => {
      const p = plain?.steps[t];
      expect((s.action as number[])[0]).toBeCloseTo(((p?.action as ArrayLike<number>)[0] ?? NaN) as number, 4);
    });
  });
});
