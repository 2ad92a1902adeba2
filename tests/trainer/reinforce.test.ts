/**
 * REINFORCE: returns and baselines, the gradient estimate against the analytic policy gradient of a
 * two-armed bandit, a short CartPole run that clearly improves the return without leaking tensors,
 * and refusal of heads without an exact log-likelihood.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Policy } from "../../trainer/policy/policy";
import { createTfMembers, disposeTfMembers } from "../../trainer/policy/tf-members";
import type { TPolicySpec } from "../../contracts/policy-spec";
import { mulberry32 } from "../../trainer/random";
import type { ReinforceProgress } from "../../contracts/trainer-protocol";
import { createInitialPolicy, policyGradientLoss, reinforce } from "../../trainer/rl/reinforce";
import { rewardToGo, timeMeanBaseline } from "../../trainer/rl/returns";
import { trainPolicy } from "../../trainer/train";
import { bimodalDataset, BOX1, testBackend } from "./helpers";

beforeAll(async () => {
  await testBackend();
});

describe("returns", () => {
  it("reward-to-go and the time-indexed mean baseline", () => {
    expect(Array.from(rewardToGo([1, 1, 1], 0.5))).toEqual([1.75, 1.5, 1]);
    const b = timeMeanBaseline([Float64Array.from([3, 2, 1]), Float64Array.from([1])]);
    expect(Array.from(b[0] as Float64Array)).toEqual([2, 2, 1]);
    expect(Array.from(b[1] as Float64Array)).toEqual([2]);
  });
});

describe("REINFORCE gradient", () => {
  it("matches the analytic gradient p_a (r_a − J) on a two-armed bandit", async () => {
    // A linear categorical policy on a constant (zero) observation: logits = bias.
    const spec: TPolicySpec = {
      obsDim: 1,
      actionSpace: { type: "discrete", n: 2 },
      head: { kind: "categorical" },
      network: { hidden: [], activation: "relu" },
      ensembleSize: 1,
      normalization: { obsMean: [0], obsStd: [1], actCenter: [0], actScale: [1] },
    };
    const { head, members } = createTfMembers(spec, 1);
    const member = members[0]!;
    const layer = member.nets[0]!.layers[0]!;
    const [kernel, bias] = layer.getWeights() as [tf.Variable, tf.Variable];
    bias.assign(tf.tensor1d([0.5, 0]));
    const rewards = [1, 0.2];
    const p0 = Math.exp(0.5) / (Math.exp(0.5) + 1);
    const p = [p0, 1 - p0];
    const J = p[0]! * rewards[0]! + p[1]! * rewards[1]!;
    const analytic = [p[0]! * (rewards[0]! - J), p[1]! * (rewards[1]! - J)];

    // Sample one-step episodes from the policy; the return is the arm's reward, baseline = batch mean.
    const n = 20000;
    const rng = mulberry32(3);
    const actions = new Float32Array(n);
    for (let i = 0; i < n; i++) actions[i] = rng() < p0 ? 0 : 1;
    const G = Array.from(actions, (a) => rewards[a]!);
    const mean = G.reduce((s, g) => s + g, 0) / n;
    const obs = tf.zeros([n, 1]) as tf.Tensor2D;
    const targets = tf.tensor2d(head.encodeTargets(actions, n), [n, 2]);
    const weights = tf.tensor1d(G.map((g) => g - mean));
    const { grads, value } = tf.variableGrads(() => policyGradientLoss(head, member, obs, targets, weights), [bias, kernel]);
    // The loss is −(1/n) Σ A ∇log π, so its negative gradient estimates ∇J.
    const estimate = Array.from(await grads[bias.name]!.data()).map((g) => -g);
    expect(estimate[0]).toBeCloseTo(analytic[0]!, 2);
    expect(estimate[1]).toBeCloseTo(analytic[1]!, 2);
    expect(Math.abs(estimate[0]! - analytic[0]!)).toBeLessThan(0.01);
    // A finite-difference check of the analytic formula itself.
    const Jof = (b0: number): number => {
      const q = Math.exp(b0) / (Math.exp(b0) + 1);
      return q * rewards[0]! + (1 - q) * rewards[1]!;
    };
    expect((Jof(0.5 + 1e-5) - Jof(0.5 - 1e-5)) / 2e-5).toBeCloseTo(analytic[0]!, 6);
    tf.dispose([obs, targets, weights, value, ...Object.values(grads)]);
    disposeTfMembers(members);
  });
});

describe("reinforce()", () => {
  it("improves CartPole-v1 from scratch in a short run, streaming iterations, without leaking tensors", async () => {
    const blob = await createInitialPolicy("CartPole-v1", { seed: 1 });
    const before = tf.memory().numTensors;
    const events: ReinforceProgress[] = [];
    const r = await reinforce(blob, "CartPole-v1", { iterations: 20, episodesPerIteration: 8, learningRate: 2e-2, seed: 1, evalEpisodes: 10 }, { onProgress: (p) => events.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(events.map((e) => e.iteration)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(events.slice(1).map((e) => e.numTensors)).size).toBe(1);
    const { before: b, after: a } = r.evaluation!;
    // Random-ish start ≈ 10–40; a clear margin after 160 episodes.
    expect(a.meanReturn).toBeGreaterThan(b.meanReturn + 60);
    expect(events.at(-1)!.meanReturn).toBeGreaterThan(events[0]!.meanReturn * 1.5);
  });

  it("refuses heads without an exact log-likelihood", async () => {
    const { blob } = await trainPolicy(bimodalDataset(100), { actionSpace: BOX1, epochs: 1, head: { kind: "diffusion" } });
    await expect(reinforce(blob, "Pendulum-v1", { iterations: 1 })).rejects.toThrow(/exact log-likelihood/);
  });
});

describe("value warm-up", () => {
  it("fits only the value network during the warm-up iterations: the policy is unchanged", async () => {
    const blob = await createInitialPolicy("CartPole-v1", { seed: 4 });
    const r = await reinforce(blob, "CartPole-v1", { iterations: 2, episodesPerIteration: 3, baseline: "value", valueWarmupIterations: 2, valueSteps: 2, evalEpisodes: 0, seed: 4 });
    expect(r.curve.map((c) => c.loss)).toEqual([0, 0]);
    expect(r.curve.every((c) => c.valueLoss !== null)).toBe(true);
    const obs = [0.01, -0.2, 0.03, 0.1];
    // The categorical head's spread is its entropy: equal to the last bit only if the weights are.
    expect(Policy.fromBlob(r.blob).actBatch([obs]).spread).toEqual(Policy.fromBlob(blob).actBatch([obs]).spread);
  });
});
