/**
 * What makes the CarTrackPixels-v0 goal run feasible and resumable: image policies acting through tfjs
 * encoders in lockstep rollouts (the same actions as one episode at a time, and as the plain-JS encoder),
 * the gradient-step training budget, and a checkpointed run that resumes into the same next round.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpointDir } from "../../trainer/dagger/checkpoint-dir";
import { epochsForSteps } from "../../trainer/dagger/arm";
import { runDagger, type DaggerRoundReport, type TDaggerConfigInput, type TrainFn } from "../../trainer/dagger/loop";
import { evaluatePolicy } from "../../trainer/evaluate";
import { Policy } from "../../trainer/policy/policy";
import { loadTfActingPolicy, type TfActingPolicy } from "../../trainer/policy/tf-acting";
import { rollout } from "../../trainer/rollout";
import { trainPolicy } from "../../trainer/train";
import { testBackend } from "./helpers";
import { blobDataset, camera, dictObservations } from "./vision-helpers";

const ENV = "CarTrackPixels-v0";
let acting: TfActingPolicy;
let plain: Policy;

beforeAll(async () => {
  await testBackend();
  // A small image policy steering from a 64×64 camera (what it learned does not matter: equality does).
  const { dataset } = blobDataset(48, 64, "x", 7);
  const result = await trainPolicy(dataset, { actionSpace: { type: "box", shape: [1], low: [-1], high: [1] }, vision: { cameras: [camera(64)] }, epochs: 2, batchSize: 16, seed: 3 });
  acting = await loadTfActingPolicy(result.blob);
  plain = Policy.fromBlob(result.blob);
});

afterAll(() => acting?.dispose());

describe("acting with tfjs encoders, episodes side by side", () => {
  it("a batch gives each row the action that row gets alone, and the plain-JS encoder's action to 1e-4", () => {
    const { samples, states } = blobDataset(6, 64, "x", 11);
    const obs = dictObservations(samples, states);
    const batched = acting.policy.actBatch(obs);
    obs.forEach((o, i) => {
      const alone = acting.policy.actBatch([o]);
      expect(alone.actions[0]).toEqual(batched.actions[i]);
      expect((plain.act(o).action as number[])[0]).toBeCloseTo((batched.actions[i] as number[])[0] as number, 4);
    });
  });

  it("lockstep rollouts equal sequential ones, step for step, also where maxTotalSteps cuts them short", () => {
    for (const maxTotalSteps of [undefined, 150]) {
      const common = { envId: ENV, policy: acting.policy, episodes: 5, firstSeed: 40, ...(maxTotalSteps === undefined ? {} : { maxTotalSteps }) };
      const seq = rollout(common);
      const lock = rollout({ ...common, lockstep: 3 });
      expect(lock.map((t) => t.length)).toEqual(seq.map((t) => t.length));
      expect(lock.map((t) => t.return)).toEqual(seq.map((t) => t.return));
      expect(lock.flatMap((t) => t.steps.map((s) => s.action))).toEqual(seq.flatMap((t) => t.steps.map((s) => s.action)));
      expect(lock.flatMap((t) => t.steps.map((s) => s.state))).toEqual(seq.flatMap((t) => t.steps.map((s) => s.state)));
    }
    // Evaluation batches the episodes of an image policy; the summary is the sequential one's.
    const evaluation = evaluatePolicy(acting.policy, { envId: ENV, episodes: 3, firstSeed: 60, references: null });
    const seq = rollout({ envId: ENV, policy: acting.policy, episodes: 3, firstSeed: 60 });
    expect(evaluation.meanReturn).toBeCloseTo(seq.reduce((s, t) => s + t.return, 0) / 3, 9);
  });
});

describe("gradient-step budget", () => {
  it("epochs follow the dataset so that each training runs about the same number of steps", () => {
    // 24 samples, 10% validation → 22 to train on, batch 16 → 2 steps an epoch.
    expect(epochsForSteps(24, 6, 16, 0.1)).toEqual({ epochs: 3, stepsPerEpoch: 2 });
    expect(epochsForSteps(5000, 300, 256, 0.1)).toEqual({ epochs: 17, stepsPerEpoch: 18 });
    expect(epochsForSteps(500, 300, 256, 0.1)).toEqual({ epochs: 150, stepsPerEpoch: 2 });
  });

  it("is honoured by the loop: the trainer gets those epochs and the report counts the steps", async () => {
    const epochsAsked: number[] = [];
    const report = await runDagger(
      { envId: "CartPole-v1", rounds: 2, labelsPerRound: 24, evalEpisodes: 1, minRolloutEpisodes: 1, seed: 1, training: { gradientSteps: 6, batchSize: 16, patience: 1000 } },
      {
        train: (ds, cfg, opts) => {
          epochsAsked.push(cfg.epochs as number);
          return trainPolicy(ds, cfg, opts);
        },
      },
    );
    // Round 0: 24 samples → 2 steps an epoch → 3 epochs; round 1: 48 samples (44 to train) → 3 an epoch → 2.
    expect(epochsAsked).toEqual([3, 2, 2]);
    expect(report.rounds.map((r) => r.dagger.training.gradientSteps)).toEqual([6, 6]);
    expect(report.rounds[1]?.bc?.training.gradientSteps).toBe(6);
  });
});

describe("a checkpointed run", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const config: TDaggerConfigInput = {
    envId: ENV,
    rounds: 2,
    labelsPerRound: 24,
    evalEpisodes: 2,
    minRolloutEpisodes: 1,
    maxRolloutEpisodes: 4,
    seed: 5,
    warmStart: true,
    training: { gradientSteps: 4, batchSize: 16 },
  };
  const counted = (calls: string[]): TrainFn => (ds, cfg, opts) => {
    calls.push(`${ds.n}`);
    return trainPolicy(ds, cfg, opts);
  };
  const comparable = (r: DaggerRoundReport) => ({
    round: r.round,
    totalLabels: r.totalLabels,
    dagger: { ...r.dagger, wallMs: 0, training: { ...r.dagger.training, trainMs: 0, samplesPerSec: 0 } },
    bc: r.bc && { ...r.bc, wallMs: 0, training: { ...r.bc.training, trainMs: 0, samplesPerSec: 0 } },
  });

  it("resumed after round 0 gives the round 1 of an uninterrupted run, without training round 0 again", async () => {
    const whole = mkdtempSync(path.join(tmpdir(), "dagger-whole-"));
    const split = mkdtempSync(path.join(tmpdir(), "dagger-split-"));
    dirs.push(whole, split);
    const wholeCalls: string[] = [];
    const uninterrupted = await runDagger(config, { train: counted(wholeCalls), loadPolicy: loadTfActingPolicy, checkpoint: openCheckpointDir(whole, config, { resume: false }) });
    expect(wholeCalls).toHaveLength(3); // round 0, then DAgger and BC in round 1
    expect(readdirSync(whole).filter((f) => f.endsWith(".policy")).sort()).toEqual(["round-00-dagger.policy", "round-01-bc.policy", "round-01-dagger.policy"]);

    // Interrupted: stopped after round 0 …
    let stop = false;
    const first = await runDagger(config, {
      train: counted([]),
      loadPolicy: loadTfActingPolicy,
      checkpoint: openCheckpointDir(split, config, { resume: false }),
      isCancelled: () => stop,
      onRound: () => (stop = true),
    });
    expect(first.rounds).toHaveLength(1);
    // … a fresh start over it is refused, a resume with other settings too …
    expect(() => openCheckpointDir(split, config, { resume: false })).toThrow(/--resume/);
    expect(() => openCheckpointDir(split, { ...config, seed: 6 }, { resume: true })).toThrow(/other settings/);
    // … and the resumed run trains only round 1's two arms, reaching the same round 1.
    const resumedCalls: string[] = [];
    const resumed = await runDagger(config, { train: counted(resumedCalls), loadPolicy: loadTfActingPolicy, checkpoint: openCheckpointDir(split, config, { resume: true }) });
    expect(resumedCalls).toEqual(wholeCalls.slice(1));
    expect(resumed.rounds.map(comparable)).toEqual(uninterrupted.rounds.map(comparable));
    expect(resumed.rounds[0]?.dagger.wallMs).toBe(first.rounds[0]?.dagger.wallMs);
  });
});
