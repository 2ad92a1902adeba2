/**
 * DAgger pieces: β schedules, label consensus (never averaging two modes), state selection,
 * β-mixed rollouts, evaluation normalisation, and a short end-to-end loop on CartPole.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createExpert, getEnvSpec, observationImages } from "../../envs/index";
import { betaAt, betaForRound, parseBetaSchedule } from "../../trainer/dagger/beta";
import { consensus, createNoisyLabeler } from "../../trainer/dagger/labels";
import { createStateCollector } from "../../trainer/dagger/collect";
import { runDagger, ZDaggerConfig } from "../../trainer/dagger/loop";
import { selectStates } from "../../trainer/dagger/select";
import { evaluatePolicy, measureReferences, normalizedReturn } from "../../trainer/evaluate";
import { Policy } from "../../trainer/policy/policy";
import { mulberry32 } from "../../trainer/random";
import { randomActingPolicy, rollout, type ActingPolicy } from "../../trainer/rollout";
import { trainPolicy } from "../../trainer/train";
import { testBackend } from "./helpers";

describe("β schedules", () => {
  it("constant, linear and exponential β_i = p^(i−1)", () => {
    expect([1, 2, 5].map((i) => betaAt({ kind: "constant", beta: 0.3 }, i))).toEqual([0.3, 0.3, 0.3]);
    const lin = { kind: "linear", start: 1, end: 0, rounds: 5 } as const;
    expect([1, 2, 3, 4, 5, 6, 9].map((i) => betaAt(lin, i))).toEqual([1, 0.75, 0.5, 0.25, 0, 0, 0]);
    const exp = { kind: "exponential", p: 0.5 } as const;
    expect([1, 2, 3, 4].map((i) => betaAt(exp, i))).toEqual([1, 0.5, 0.25, 0.125]);
    expect(() => betaAt(exp, 0)).toThrow();
  });

  it("round 0 is pure expert; round r uses iteration r + 1", () => {
    const exp = { kind: "exponential", p: 0.5 } as const;
    expect([0, 1, 2, 3].map((r) => betaForRound(exp, r))).toEqual([1, 0.5, 0.25, 0.125]);
    expect(betaForRound({ kind: "constant", beta: 0 }, 0)).toBe(1);
    expect(betaForRound({ kind: "constant", beta: 0 }, 4)).toBe(0);
  });

  it("parses the CLI forms and rejects bad ones", () => {
    expect(parseBetaSchedule("0.25")).toEqual({ kind: "constant", beta: 0.25 });
    expect(parseBetaSchedule("constant:0")).toEqual({ kind: "constant", beta: 0 });
    expect(parseBetaSchedule("linear:1:0:10")).toEqual({ kind: "linear", start: 1, end: 0, rounds: 10 });
    expect(parseBetaSchedule("exp:0.5")).toEqual({ kind: "exponential", p: 0.5 });
    for (const bad of ["1.5", "exp", "linear:1:0", "foo:1", ""]) expect(() => parseBetaSchedule(bad)).toThrow(/beta schedule/);
  });
});

describe("label consensus", () => {
  const box = getEnvSpec("Fork-v0").actionSpace;
  const discrete = { type: "discrete", n: 3 } as const;

  it("one tight cluster → its median; a lone outlier is ignored", () => {
    const c = consensus([[0.5], [0.52], [-0.9]], { space: box });
    expect(c.status).toBe("accepted");
    expect((c.actions[0] as number[])[0]).toBeCloseTo(0.51, 6);
    expect(c.agreement).toBeCloseTo(2 / 3, 6);
  });

  it("never averages two modes: unimodal heads send the state to review, multimodal heads keep both", () => {
    const labels = [[-0.8], [-0.82], [0.8], [0.79]];
    const uni = consensus(labels, { space: box });
    expect(uni.status).toBe("review");
    expect(uni.actions).toEqual([]);
    const multi = consensus(labels, { space: box, multimodal: true });
    expect(multi.status).toBe("accepted");
    const modes = multi.actions.map((a) => (a as number[])[0] as number).sort((a, b) => a - b);
    expect(modes[0]).toBeCloseTo(-0.81, 6);
    expect(modes[1]).toBeCloseTo(0.795, 6);
    // The plurality wins for a unimodal head when one cluster is larger.
    expect(consensus([[-0.8], [-0.8], [-0.81], [0.8], [0.8]], { space: box }).actions).toEqual([[-0.8]]);
  });

  it("no agreement → review; a single label is accepted as is", () => {
    expect(consensus([[-0.9], [0.1], [0.7]], { space: box }).status).toBe("review");
    expect(consensus([[0.3]], { space: box })).toEqual({ status: "accepted", actions: [[0.3]], agreement: 1, supportedClusters: 1 });
  });

  it("discrete: strict plurality with ≥ 2 votes", () => {
    expect(consensus([2, 2, 0], { space: discrete }).actions).toEqual([2]);
    expect(consensus([0, 1, 2], { space: discrete }).status).toBe("review");
    expect(consensus([1, 1, 0, 0], { space: discrete }).status).toBe("review");
  });

  it("the noisy labeller replaces the given share of labels with random actions", () => {
    const labeler = createNoisyLabeler({ expert: createExpert("CarTrack-v0"), space: getEnvSpec("CarTrack-v0").actionSpace, noise: 0.2, seed: 1 });
    const env = rollout({ envId: "CarTrack-v0", expert: createExpert("CarTrack-v0"), beta: 1, episodes: 1, maxTotalSteps: 1 });
    const state = env[0]!.steps[100]!.state!;
    const truth = (createExpert("CarTrack-v0").act(state) as number[])[0] as number;
    const labels = labeler.label(state, 2000).map((a) => (a as number[])[0] as number);
    const wrong = labels.filter((l) => Math.abs(l - truth) > 1e-9).length / labels.length;
    expect(wrong).toBeGreaterThan(0.16);
    expect(wrong).toBeLessThan(0.24);
    expect(labeler.labelsGiven).toBe(2000);
  });
});

describe("state selection", () => {
  const cands = Array.from({ length: 100 }, (_, i) => ({ trajectory: i < 50 ? 0 : 1, t: i % 50, uncertainty: i === 10 || i === 11 || i === 70 ? 1 : i / 1000 }));

  it("uniform picks distinct states; uncertainty picks the most uncertain, skipping near-duplicates", () => {
    const u = selectStates(cands, 10, "uniform", mulberry32(1));
    expect(new Set(u).size).toBe(10);
    const top = selectStates(cands, 3, "uncertainty", mulberry32(1));
    expect(top).toContain(70);
    expect(top.filter((i) => i === 10 || i === 11)).toHaveLength(1); // 10 and 11 are neighbours
    expect(selectStates(cands, 200, "uncertainty", mulberry32(1))).toHaveLength(100);
  });
});

describe("rollouts and evaluation", () => {
  const space = getEnvSpec("CartPole-v1").actionSpace;
  /** A learner that always pushes left: with β = 0 every executed action is 0. */
  const left: ActingPolicy = {
    actBatch: (obs) => ({ actions: obs.map(() => 0), uncertainty: Float32Array.from(obs.map(() => 0.5)), spread: new Float32Array(obs.length) }),
  };

  it("β-mixing executes the expert's action with probability β and records both actors", () => {
    const expert = createExpert("CartPole-v1");
    const trajs = rollout({ envId: "CartPole-v1", policy: left, expert, beta: 0.5, episodes: 20, seed: 3 });
    const steps = trajs.flatMap((t) => t.steps);
    const share = steps.filter((s) => s.actor === "expert").length / steps.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    for (const s of steps) {
      expect(s.policyAction).toBe(0);
      expect(s.state).toHaveLength(4);
      expect(s.uncertainty).toBe(0.5);
      expect(s.action).toBe(s.actor === "expert" ? s.expertAction : 0);
    }
    const pure = rollout({ envId: "CartPole-v1", policy: left, episodes: 3 }).flatMap((t) => t.steps);
    expect(pure.every((s) => s.actor === "policy" && s.expertAction === undefined)).toBe(true);
  });

  it("is seeded: the same seeds give the same trajectories", () => {
    const a = rollout({ envId: "CarTrack-v0", policy: randomActingPolicy(getEnvSpec("CarTrack-v0").actionSpace, 1), episodes: 2, firstSeed: 5 });
    const b = rollout({ envId: "CarTrack-v0", policy: randomActingPolicy(getEnvSpec("CarTrack-v0").actionSpace, 1), episodes: 2, firstSeed: 5 });
    expect(b.map((t) => t.return)).toEqual(a.map((t) => t.return));
  });

  it("normalised return is 1 for the expert and ~0 for a random policy on the same seeds", () => {
    const refs = measureReferences({ envId: "CartPole-v1", episodes: 10 });
    expect(refs.expert).toBe(500);
    expect(normalizedReturn(refs.expert, refs)).toBe(1);
    const random = evaluatePolicy(randomActingPolicy(space, 100_000), { envId: "CartPole-v1", episodes: 10, references: refs });
    expect(Math.abs(random.normalizedReturn as number)).toBeLessThan(0.05);
    expect(random.successRate).toBe(0);
    const bad = evaluatePolicy(left, { envId: "CartPole-v1", episodes: 5, references: refs });
    expect(bad.meanReturn).toBeLessThan(20);
    expect(bad.meanUncertainty).toBeCloseTo(0.5, 6);
  });
});

describe("DAgger loop", () => {
  beforeAll(async () => {
    await testBackend();
  });

  it("demonstrations start from demoSeed's episode (default 1000), so runs can vary them seed by seed", () => {
    const firstStates = (extra: object, demos: "episodes" | "states" = "episodes") => {
      const config = ZDaggerConfig.parse({ envId: "CarTrack-v1", demos, ...extra });
      const collector = createStateCollector({ config, statesPerRound: 30, expert: createExpert("CarTrack-v1"), rng: mulberry32(1) });
      return collector.collect("dagger", 0, null, 1).steps.map((s) => s.state);
    };
    const expertStart = (seed: number) => rollout({ envId: "CarTrack-v1", expert: createExpert("CarTrack-v1"), beta: 1, episodes: 1, firstSeed: seed })[0]!.steps.slice(0, 30).map((s) => s.state);
    expect(firstStates({})).toEqual(expertStart(1000));
    expect(firstStates({ demoSeed: 1000 })).toEqual(firstStates({}));
    expect(firstStates({ demoSeed: 3000 })).toEqual(expertStart(3000));
    expect(firstStates({ demoSeed: 3000 })).not.toEqual(firstStates({}));
    // A pool of expert episodes (demos "states") moves with it too.
    expect(firstStates({ demoSeed: 3000 }, "states")).not.toEqual(firstStates({}, "states"));
    expect(() => ZDaggerConfig.parse({ envId: "CarTrack-v1", demoSeed: 50_000 })).toThrow();
  });

  it("runs rounds end to end with noisy labels, and spends the same label budget on both arms", async () => {
    const rounds: number[] = [];
    const report = await runDagger(
      {
        envId: "CartPole-v1",
        rounds: 3,
        labelsPerRound: 150,
        labelsPerState: 3,
        labelNoise: 0.2,
        evalEpisodes: 3,
        seed: 1,
        training: { epochs: 30, patience: 5, learningRate: 3e-3 },
      },
      { train: (ds, cfg, opts) => trainPolicy(ds, cfg, opts), onRound: (r) => rounds.push(r.round) },
    );
    expect(rounds).toEqual([0, 1, 2]);
    expect(report.env).toBe("CartPole-v1");
    expect(report.backend).toMatch(/wasm/);
    expect(report.expertReturn).toBe(500);
    expect(report.rounds.map((r) => r.totalLabels)).toEqual([150, 300, 450]);
    expect(report.rounds.map((r) => r.bc!.totalLabels)).toEqual([150, 300, 450]);
    for (const r of report.rounds) {
      expect(r.dagger.statesLabeled).toBe(50);
      expect(r.dagger.statesAccepted + r.dagger.statesToReview).toBe(50);
      expect(r.dagger.normalizedReturn).not.toBeNull();
    }
    expect(report.rounds[1]!.dagger.beta).toBe(0);
    expect(report.finalPolicy).toBeInstanceOf(Uint8Array);
  });

  it("trains image policies on a camera env (CarTrackPixels-v0): the loop renders each labelled state's image", async () => {
    const report = await runDagger(
      { envId: "CarTrackPixels-v0", rounds: 2, labelsPerRound: 24, evalEpisodes: 1, minRolloutEpisodes: 1, seed: 2, training: { epochs: 2, batchSize: 16 } },
      {
        train: (ds, cfg, opts) => {
          // Every sample carries the camera's pixels, and the config asks for a ConvNet on that camera.
          expect(ds.images?.cameras).toEqual([{ name: "image", shape: [64, 64, 3] }]);
          expect(cfg.vision?.cameras).toEqual([{ name: "image", shape: [64, 64, 3] }]);
          return trainPolicy(ds, cfg, opts);
        },
      },
    );
    expect(report.rounds.map((r) => r.dagger.statesLabeled)).toEqual([24, 24]);
    for (const r of report.rounds) expect(r.dagger.normalizedReturn).not.toBeNull();
    const policy = Policy.fromBlob(report.finalPolicy!);
    expect(policy.isVisual).toBe(true);
    expect(policy.obsDim).toBe(1);
  });
});

describe("rollouts of image policies", () => {
  it("give a policy that sees images Dict observations: the state vector and the camera's rendering of the state", () => {
    const seen: { image: Uint8Array; state: number[] }[] = [];
    const visual: ActingPolicy = {
      isVisual: true,
      actBatch: (obs) => {
        const o = obs[0] as { state: number[]; image: Uint8Array };
        seen.push({ image: o.image, state: o.state });
        // Full lock: the car leaves the road within a few dozen steps.
        return { actions: [[1]], uncertainty: new Float32Array(1), spread: new Float32Array(1) };
      },
    };
    const [tr] = rollout({ envId: "CarTrackPixels-v0", policy: visual, episodes: 1, firstSeed: 3, maxTotalSteps: 5 });
    expect(seen.length).toBe(tr!.length);
    seen.slice(0, 5).forEach((s, t) => {
      expect(s.state).toEqual(tr!.steps[t]!.observation);
      expect(s.image).toEqual(observationImages("CarTrackPixels-v0", tr!.steps[t]!.state!).image);
    });
    expect(() => rollout({ envId: "CartPole-v1", policy: visual, episodes: 1 })).toThrow(/has no cameras/);
  });
});
