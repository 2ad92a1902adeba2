/**
 * Every policy head in the project settings contract maps to a trainer head the env accepts: the
 * settings schema takes it, the project spec resolves it (multimodal for all but the Gaussian), and
 * the train job's head config is a valid trainer head that trains and loads for a box env.
 */
import { describe, expect, it } from "vitest";
import { HEADS, RL_HEADS, ZProjectSettings } from "../../contracts/settings";
import { reinforceOptions } from "../../server/rounds/steps/finetune";
import { rlFineTuneProblem } from "../../server/projects/check-rl-fine-tune";
import { ZReinforceOptions } from "../../contracts/trainer-protocol";
import type { Project } from "../../db/schema";
import { headConfig } from "../../server/rounds/steps/train";
import { projectSpec } from "../../server/projects/project-spec";
import { ZHeadConfig } from "../../contracts/policy-spec";
import { checkHeadFits } from "../../trainer/policy/spec";

const project = (envId: string, head: string): Project => ({ id: "p1", envId, config: { settings: { head } } }) as unknown as Project;

describe("project policy heads", () => {
  it("accepts cvae and diffusion like the other heads and rejects unknown ones", () => {
    expect(HEADS).toEqual(expect.arrayContaining(["cvae", "diffusion"]));
    for (const head of [...HEADS, "auto"]) expect(ZProjectSettings.parse({ head }).head).toBe(head);
    expect(ZProjectSettings.safeParse({ head: "transformer" }).success).toBe(false);
  });

  it("resolves each box head to a trainer head config that fits the env's action space", () => {
    for (const head of HEADS.filter((h) => h !== "categorical")) {
      const spec = projectSpec(project("Fork-v0", head));
      expect(spec.head).toBe(head);
      expect(spec.multimodalHead).toBe(head !== "gaussian");
      const cfg = headConfig(spec);
      expect(ZHeadConfig.parse(cfg)).toEqual(cfg);
      expect(cfg.kind).toBe(head);
      expect(() => checkHeadFits(cfg, spec.actionSpace as Parameters<typeof checkHeadFits>[1])).not.toThrow();
    }
    expect(headConfig(projectSpec(project("Fork-v0", "diffusion")))).toEqual({ kind: "diffusion", steps: 50, sampleSteps: 10, sampler: "ddim", schedule: "cosine" });
  });
});

describe("RL fine-tuning option", () => {
  it("is off by default, takes its defaults when on, and rejects unknown or out-of-range fields", () => {
    expect(ZProjectSettings.parse({}).rlFineTune).toBeNull();
    expect(ZProjectSettings.parse({ rlFineTune: {} }).rlFineTune).toEqual({
      afterRound: 1, iterations: 20, episodesPerIteration: 10, learningRate: 0.001, baseline: "value", entropyCoef: 0, gamma: 0.99, maxMinutes: 5, publish: "if-better",
    });
    for (const bad of [{ afterRound: -1 }, { iterations: 0 }, { learningRate: 0 }, { baseline: "none" }, { maxMinutes: 11 }, { publish: "always" }, { episodes: 5 }]) {
      expect(ZProjectSettings.safeParse({ rlFineTune: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("applies to built-in envs with a likelihood head and one network, and says why not otherwise", () => {
    const settings = ZProjectSettings.parse({});
    const discrete = { type: "discrete" } as const;
    const box = { type: "box" } as const;
    expect(rlFineTuneProblem({ envId: "CartPole-v1", actionSpace: discrete, settings })).toBeNull();
    for (const head of RL_HEADS.filter((h) => h !== "categorical")) expect(rlFineTuneProblem({ envId: "Pendulum-v1", actionSpace: box, settings: { ...settings, head } })).toBeNull();
    expect(rlFineTuneProblem({ envId: null, actionSpace: discrete, settings })).toMatch(/built-in environment with rewards/);
    for (const head of ["autoregressive", "cvae", "diffusion"] as const) {
      expect(rlFineTuneProblem({ envId: "Pendulum-v1", actionSpace: box, settings: { ...settings, head } })).toMatch(new RegExp(`exact log-likelihood .* uses ${head}`));
    }
    expect(rlFineTuneProblem({ envId: "CartPole-v1", actionSpace: discrete, settings: { ...settings, ensembleSize: 3 } })).toMatch(/ensemble of 3/);
  });

  it("maps to trainer options the REINFORCE schema accepts (value warm-up for a quarter of the iterations, at most 5)", () => {
    const rl = ZProjectSettings.parse({ rlFineTune: { iterations: 8 } }).rlFineTune!;
    const o = ZReinforceOptions.parse(reinforceOptions(rl, 3));
    expect(o).toMatchObject({ iterations: 8, valueWarmupIterations: 2, learningRate: 0.001, baseline: "value", evalEpisodes: 0, maxTrainMs: 300_000, seed: 3 });
    expect(reinforceOptions({ ...rl, iterations: 100 }, 0).valueWarmupIterations).toBe(5);
    expect(reinforceOptions({ ...rl, baseline: "mean" }, 0).valueWarmupIterations).toBe(0);
  });
});
