/**
 * The DAgger loop with a crowd of people-like labellers: reliability-weighted aggregation (gold
 * states + agreement) and thrifty's novelty/risk gate, end to end on CartPole with in-process training.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runDagger } from "../../trainer/dagger/loop";
import { selectStates } from "../../trainer/dagger/select";
import { mulberry32 } from "../../trainer/random";
import { trainPolicy } from "../../trainer/train";
import { testBackend } from "./helpers";

describe("thrifty selection", () => {
  it("takes risky states first, then novel ones, then tops up by uncertainty", () => {
    const candidates = Array.from({ length: 20 }, (_, t) => ({ trajectory: 0, t: t * 3, uncertainty: t / 20, risk: t === 2 || t === 4 ? 1 : 0 }));
    const picked = selectStates(candidates, 4, "thrifty", mulberry32(1), { noveltyQuantile: 0.9 });
    expect(picked.slice(0, 2).sort()).toEqual([2, 4]);
    expect(picked.slice(2, 4)).toEqual([19, 18]);
  });
});

describe("DAgger with people-like labellers", () => {
  beforeAll(async () => {
    await testBackend();
  });

  it("refuses reliability aggregation without people (nobody to estimate)", async () => {
    await expect(runDagger({ envId: "CartPole-v1", aggregation: "reliability" }, { train: (ds, cfg, opts) => trainPolicy(ds, cfg, opts) })).rejects.toThrow(/needs labeller "people"/);
  });

  it("runs reliability-weighted rounds with a 30%-noisy crowd and thrifty selection, spending the budget", async () => {
    const report = await runDagger(
      {
        envId: "CartPole-v1",
        rounds: 2,
        labelsPerRound: 120,
        labelsPerState: 3,
        labeller: "people",
        crowd: { size: 10, noisyFraction: 0.3 },
        aggregation: "reliability",
        goldFraction: 0.1,
        select: "thrifty",
        ensembleSize: 2,
        evalEpisodes: 2,
        compareBC: false,
        seed: 2,
        training: { epochs: 10, patience: 3, learningRate: 3e-3 },
      },
      { train: (ds, cfg, opts) => trainPolicy(ds, cfg, opts) },
    );
    expect(report.ensembleSize).toBe(2);
    expect(report.rounds.map((r) => r.totalLabels)).toEqual([120, 240]);
    for (const r of report.rounds) {
      expect(r.dagger.statesLabeled).toBe(40);
      expect(r.dagger.statesAccepted + r.dagger.statesToReview).toBe(40);
      // Most states of a 70%-careful crowd get an accepted answer.
      expect(r.dagger.statesAccepted).toBeGreaterThan(25);
      expect(r.dagger.datasetSize).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe("meanCi95", () => {
  it("gives Student-t 95% intervals", async () => {
    const { meanCi95 } = await import("../../trainer/dagger/summary");
    expect(meanCi95([1, 2, 3, 4, 5])).toEqual({ n: 5, mean: 3, ci95: expect.closeTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 9) });
    expect(meanCi95([0.7])).toEqual({ n: 1, mean: 0.7, ci95: 0 });
    expect(meanCi95([]).n).toBe(0);
  });
});

describe("npm run dagger (the CLI)", () => {
  const cli = async (args: string[]) => {
    const { spawnSync } = await import("node:child_process");
    return spawnSync(process.execPath, ["--import", "tsx", "trainer/cli/dagger.ts", ...args], { encoding: "utf8", timeout: 120_000 });
  };

  it("rejects reliability aggregation without people, and unknown choices, with exit 2", async () => {
    const a = await cli(["--env", "Fork-v1", "--aggregation", "reliability"]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/needs --labeller people/);
    const b = await cli(["--env", "Fork-v1", "--select", "smart"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--select must be uniform, uncertainty or thrifty/);
    const c = await cli(["--env", "Fork-v1", "--demos", "videos"]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/--demos must be episodes or states, not "videos"/);
    const d = await cli(["--env", "CarTrack-v1", "--env-option", "drift"]);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/--env-option must look like key=value, not "drift"/);
  }, 60_000);

  it("--demos states: round 0 and the BC arm label states sampled from a pool of expert episodes", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(tmpdir(), "dagger-cli-"));
    const run = (demos: string) => {
      const out = path.join(dir, `${demos}.json`);
      return cli(["--env", "CartPole-v1", "--rounds", "2", "--labels-per-round", "40", "--head", "categorical", "--epochs", "2", "--eval-episodes", "1", "--demos", demos, "--env-option", "seed=3", "--in-process", "--quiet", "--json", out]).then((r) => {
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(readFileSync(out, "utf8")) as { config: { demos: string; envOptions: unknown }; rounds: Array<{ bc?: { details: { rolloutEpisodes: number } } }> };
      });
    };
    const [states, episodes] = [await run("states"), await run("episodes")];
    expect([states.config.demos, episodes.config.demos]).toEqual(["states", "episodes"]);
    expect(states.config.envOptions).toEqual({ seed: 3 });
    // 40 labels: one expert episode's first steps, or a sample from a pool of several episodes.
    expect(episodes.rounds[1]!.bc!.details.rolloutEpisodes).toBe(1);
    expect(states.rounds[1]!.bc!.details.rolloutEpisodes).toBeGreaterThan(1);
  }, 120_000);

  it("runs one arm over --seeds with people and reliability, writing runs and a mean ± 95% CI per round", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const out = path.join(mkdtempSync(path.join(tmpdir(), "dagger-cli-")), "run.json");
    const r = await cli(["--env", "CartPole-v1", "--rounds", "2", "--labels-per-round", "60", "--labels-per-state", "3", "--labeller", "people", "--aggregation", "reliability", "--head", "categorical", "--seeds", "2", "--epochs", "3", "--eval-episodes", "1", "--no-bc", "--in-process", "--quiet", "--json", out]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8")) as { seeds: number[]; runs: Array<{ config: { labeller: string; aggregation: string; seed: number } }>; summary: Array<{ round: number; labels: number; dagger: { n: number; mean: number; ci95: number } }> };
    expect(doc.seeds).toEqual([0, 1]);
    expect(doc.runs.map((x) => [x.config.seed, x.config.labeller, x.config.aggregation])).toEqual([[0, "people", "reliability"], [1, "people", "reliability"]]);
    expect(doc.summary.map((s) => [s.round, s.labels, s.dagger.n])).toEqual([[0, 60, 2], [1, 120, 2]]);
    for (const s of doc.summary) expect(Number.isFinite(s.dagger.ci95)).toBe(true);
  }, 120_000);
});
