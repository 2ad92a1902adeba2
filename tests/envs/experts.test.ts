/**
 * Scripted experts: each one's documented score (Expert.score) and each env's reference returns
 * (EnvSpec.referenceReturns, used for the trainer's normalised return) are measured here over the
 * documented 20 seeded episodes (seeds 0..19), printed as a table, and asserted.
 */
import { describe, expect, it } from "vitest";
import { createEnv, createExpert, createRandomPolicy, expertPolicy, listEnvs, meanReturn, runEpisodes } from "../../envs/index";
import type { EpisodeResult } from "../../envs/index";
import { createForkExpert } from "../../envs/fork/expert";

const EPISODES = 20;

interface Row {
  env: string;
  metric: string;
  measured: number;
  documented: number;
  expertReturn: number;
  expertMin: number;
  randomReturn: number;
}

/** The value of an expert's documented metric for a set of episodes. */
function metricValue(metric: string, results: readonly EpisodeResult[]): number {
  const mean = (f: (r: EpisodeResult) => number): number => results.reduce((s, r) => s + f(r), 0) / results.length;
  switch (metric) {
    case "mean return":
      return mean((r) => r.return);
    case "mean lap completion":
      return mean((r) => Number(r.lastInfo?.["lapCompletion"] ?? 0));
    case "success rate":
      return mean((r) => (r.lastInfo?.["success"] === true ? 1 : 0));
    default:
      throw new Error(`unknown metric ${metric}`);
  }
}

const rows: Row[] = [];

describe("scripted experts over seeds 0..19", () => {
  for (const spec of listEnvs()) {
    it(`${spec.id}: reaches its documented score, and the reference returns are current`, () => {
      const expert = createExpert(spec.id);
      expect(expert.score.episodes).toBe(EPISODES);
      const results = runEpisodes(createEnv(spec.id), expertPolicy(expert), EPISODES, { expert });
      const random = runEpisodes(createEnv(spec.id), createRandomPolicy(spec.actionSpace, 0), EPISODES);
      const measured = metricValue(expert.score.metric, results);
      const row: Row = {
        env: spec.id,
        metric: expert.score.metric,
        measured: Number(measured.toFixed(3)),
        documented: expert.score.value,
        expertReturn: Number(meanReturn(results).toFixed(2)),
        expertMin: Number(Math.min(...results.map((r) => r.return)).toFixed(2)),
        randomReturn: Number(meanReturn(random).toFixed(2)),
      };
      rows.push(row);
      expect(measured).toBeGreaterThanOrEqual(expert.score.value);
      // The spec's reference returns must stay within 1% of the expert–random gap of what is measured.
      const gap = Math.abs((spec.referenceReturns.expert ?? 0) - spec.referenceReturns.random);
      expect(Math.abs(row.expertReturn - (spec.referenceReturns.expert ?? NaN))).toBeLessThanOrEqual(0.01 * gap);
      expect(Math.abs(row.randomReturn - spec.referenceReturns.random)).toBeLessThanOrEqual(0.01 * gap);
    });
  }

  it("CartPole's expert balances for the full 500 steps every time", () => {
    const row = rows.find((r) => r.env === "CartPole-v1");
    expect(row?.expertMin).toBe(500);
  });

  it("prints the table", () => {
    console.log("\nScripted experts, 20 episodes (seeds 0..19); random = uniform actions (policy seed 0)");
    console.table(rows);
    expect(rows).toHaveLength(listEnvs().length);
  });
});

describe("Fork-v0 expert modes", () => {
  it("picks both sides across seeds, and each side succeeds", () => {
    const env = createEnv("Fork-v0");
    const expert = createForkExpert();
    const sides = new Map<number, number>();
    for (let seed = 0; seed < 40; seed++) {
      expert.reset(seed);
      sides.set(expert.side, (sides.get(expert.side) ?? 0) + 1);
      const [result] = runEpisodes(env, expertPolicy(expert), 1, { firstSeed: seed, expert });
      expect(result?.lastInfo?.["success"]).toBe(true);
      expect(result?.lastInfo?.["side"]).toBe(expert.side);
    }
    expect(sides.get(-1)).toBeGreaterThanOrEqual(10);
    expect(sides.get(1)).toBeGreaterThanOrEqual(10);
  });

  it("averaging the two modes drives into the obstacle", () => {
    const env = createEnv("Fork-v0");
    const left = createForkExpert();
    const right = createForkExpert();
    left.setSide(-1);
    right.setSide(1);
    for (let seed = 0; seed < 10; seed++) {
      let obs = env.reset(seed);
      let info: Record<string, unknown> | undefined;
      for (;;) {
        const s = env.getState();
        const a = ((left.act(s) as number[])[0]! + (right.act(s) as number[])[0]!) / 2;
        const r = env.step([a]);
        obs = r.observation;
        info = r.info;
        if (r.terminated || r.truncated) break;
      }
      expect(info?.["collided"]).toBe(true);
      expect(obs[1]).toBeCloseTo(0, 9);
    }
  });

  it("commits to the side the agent is already on when labelling mid-episode", () => {
    const env = createEnv("Fork-v0");
    env.reset(3);
    const [x, , ox, oy] = env.getState() as [number, number, number, number];
    const expert = createForkExpert();
    for (const episodeSide of [-1, 1] as const) {
      expert.setSide(episodeSide);
      expect((expert.act([ox + 0.3, 2, ox, oy]) as number[])[0]).toBeGreaterThan(0);
      expect((expert.act([ox - 0.3, 2, ox, oy]) as number[])[0]).toBeLessThan(0);
      expect(Math.sign((expert.act([x, 2, ox, oy]) as number[])[0]!)).toBe(episodeSide);
    }
  });
});
