/**
 * The harder tasks of issue 20: Fork-v1 (multimodal over a wide band) and CarTrack-v1 (narrow, fast,
 * noisy steering), and the promise that adding them left the v0 tasks bit-for-bit as they were.
 * The experts' documented scores and reference returns are asserted for every env in experts.test.ts.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createEnv, createExpert, expertPolicy, runEpisodes } from "../../envs/index";
import { createForkV1Expert, forkV1ExpertAction } from "../../envs/fork/expert-v1";
import { COURSE_V1 } from "../../envs/fork/fork-v1";

/** A fixed open-loop action sequence on seeds 0..4, hashed (observations, rewards, flags, states). */
function fingerprint(id: string): string {
  const h = createHash("sha256");
  const env = createEnv(id);
  for (let seed = 0; seed < 5; seed++) {
    h.update(JSON.stringify(env.reset(seed)));
    for (let t = 0; t < 300; t++) {
      const r = env.step([Math.sin(t * 0.37 + seed)]);
      h.update(JSON.stringify([r.observation, r.reward, r.terminated, env.getState()]));
      if (r.terminated || r.truncated) break;
    }
  }
  return h.digest("hex").slice(0, 16);
}

describe("v0 tasks are unchanged", () => {
  // Digests measured with the tree before Fork-v1 / CarTrack-v1 were added (commit 6ce7f82).
  it.each([
    ["CarTrack-v0", "0a31d48a2c1ad58f"],
    ["Fork-v0", "e6e62c0be7aa5a94"],
  ])("%s replays bit-for-bit", (id, digest) => {
    expect(fingerprint(id)).toBe(digest);
  });
});

describe("Fork-v1", () => {
  it("its expert passes on both sides from starts across the aligned band, and always succeeds", () => {
    const env = createEnv("Fork-v1");
    const expert = createForkV1Expert();
    const sides = { left: 0, right: 0, leftFromRightHalf: 0, rightFromLeftHalf: 0 };
    for (let seed = 0; seed < 60; seed++) {
      expert.reset(seed);
      env.reset(seed);
      const [x, , ox] = env.getState() as [number, number, number];
      const startDx = x - ox;
      expect(Math.abs(startDx)).toBeLessThanOrEqual(COURSE_V1.startBand);
      const [result] = runEpisodes(env, expertPolicy(expert), 1, { firstSeed: seed, expert });
      expect(result?.lastInfo?.["success"]).toBe(true);
      const side = result?.lastInfo?.["side"];
      expect(side).toBe(expert.side);
      if (side === -1) sides.left++;
      else sides.right++;
      if (side === -1 && startDx > 0.05) sides.leftFromRightHalf++;
      if (side === 1 && startDx < -0.05) sides.rightFromLeftHalf++;
    }
    expect(sides.left).toBeGreaterThanOrEqual(20);
    expect(sides.right).toBeGreaterThanOrEqual(20);
    // Not just "the side it happens to be on": it crosses over in front of the obstacle, both ways.
    expect(sides.leftFromRightHalf).toBeGreaterThanOrEqual(5);
    expect(sides.rightFromLeftHalf).toBeGreaterThanOrEqual(5);
  });

  it("labels either side anywhere in the aligned band while both are reachable", () => {
    for (const dx of [-0.6, -0.3, 0, 0.3, 0.6]) {
      const state = [dx, 0, 0, 5, 0];
      expect(forkV1ExpertAction(state, -1)[0]).toBeLessThan(-0.9);
      expect(forkV1ExpertAction(state, 1)[0]).toBeGreaterThan(0.9);
    }
    // The indicated side is kept; where one side is out of reach, only the other is labelled.
    expect(forkV1ExpertAction([0.2, 0, 0, 5, -1], 1)[0]).toBeLessThan(0);
    expect(forkV1ExpertAction([0.3, 3.2, 0, 5, 0], -1)[0]).toBeGreaterThan(0);
  });

  it("the best unimodal answer — the mean label of each observation — drives into the obstacle", () => {
    // An observation (|obstacle_dx|, dy, goal_dy, indicator) with the indicator off stands for two mirror
    // states; the mean over both states and both sides is what a least-squares Gaussian head converges to.
    const env = createEnv("Fork-v1");
    for (let seed = 0; seed < 20; seed++) {
      env.reset(seed);
      let info: Record<string, unknown> | undefined;
      for (;;) {
        const s = env.getState() as [number, number, number, number, number];
        const mirror = [2 * s[2] - s[0], s[1], s[2], s[3], s[4]];
        const labels = s[4] === 0 ? [s, mirror] : [s];
        const acts = labels.flatMap((st) => [forkV1ExpertAction(st, -1)[0]!, forkV1ExpertAction(st, 1)[0]!]);
        const r = env.step([acts.reduce((a, b) => a + b, 0) / acts.length]);
        info = r.info;
        if (r.terminated || r.truncated) break;
      }
      expect(info?.["collided"]).toBe(true);
    }
  });

  it("steering is decisive: |action| < 0.5 goes straight ahead, at or above it the agent moves sideways", () => {
    const env = createEnv("Fork-v1");
    env.reset(3, { obstacle_x: 0, obstacle_y: 5, start_dx: 0.1 });
    const x0 = env.getState()[0] as number;
    env.step([0.49]);
    env.step([-0.3]);
    expect(env.getState()[0]).toBe(x0);
    env.step([0.5]);
    expect(env.getState()[0]).toBeCloseTo(x0 + 0.5 * 1.5 * 0.1, 12);
    env.step([-1]);
    expect(env.getState()[0]).toBeCloseTo(x0 + 0.5 * 1.5 * 0.1 - 1.5 * 0.1, 12);
  });

  it("the indicator latches to the side of the first hard steer (|action| ≥ 0.5) and not before", () => {
    const env = createEnv("Fork-v1");
    env.reset(3, { obstacle_x: 0, obstacle_y: 5, start_dx: 0 });
    expect(env.observe()[3]).toBe(0);
    env.step([0.45]);
    expect(env.observe()[3]).toBe(0);
    env.step([-0.5]);
    expect(env.observe()[3]).toBe(-1);
    env.step([0.2]);
    expect(env.observe()[3]).toBe(-1);
    env.step([1]);
    expect(env.observe()[3]).toBe(1);
    env.reset(4);
    expect(env.observe()[3]).toBe(0);
  });

  it("demonstrations over consecutive seeds split evenly between the sides (an evenly split crowd)", () => {
    const expert = createForkV1Expert();
    const sides = Array.from({ length: 40 }, (_, seed) => {
      expert.reset(seed + 1000);
      return expert.side;
    });
    expect(sides.filter((s) => s === 1)).toHaveLength(20);
    for (let i = 1; i < sides.length; i++) expect(sides[i]).not.toBe(sides[i - 1]);
  });

  it("observes no side while the indicator is off: mirror states look the same", () => {
    const env = createEnv("Fork-v1");
    env.setState([0.4, 1, 0.1, 5, 0]);
    const a = env.observe();
    env.setState([-0.2, 1, 0.1, 5, 0]);
    expect(env.observe()).toEqual(a);
  });
});

describe("CarTrack-v1", () => {
  const run = (seed: number): number[] => {
    const env = createEnv("CarTrack-v1");
    const expert = createExpert("CarTrack-v1");
    env.reset(seed);
    const trace: number[] = [];
    for (let t = 0; t < 200; t++) {
      const r = env.step(expert.act(env.getState()));
      trace.push(...r.observation, r.reward);
      if (r.terminated || r.truncated) break;
    }
    return trace;
  };

  it("is deterministic per seed, and seeds differ", () => {
    expect(run(4)).toEqual(run(4));
    expect(run(5)).not.toEqual(run(4));
  });

  it("has noisy steering: the same command from the same state diverges across episodes' noise streams", () => {
    const env = createEnv("CarTrack-v1", { drift: 0 });
    env.reset(1);
    const state = env.getState();
    const steerAfter = (noiseState: number): number => {
      env.setState([...state.slice(0, 8), noiseState]);
      env.step([0]);
      return env.getState()[5] as number;
    };
    const steers = new Set([1, 2, 3, 4].map((n) => steerAfter(n * 7919)));
    expect(steers.size).toBe(4);
    // …while CarTrack-v0 without drift is noise-free.
    const v0 = createEnv("CarTrack-v0", { drift: 0 });
    v0.reset(1);
    const s0 = v0.getState();
    v0.step([0]);
    expect(v0.getState()[5]).toBe(0);
    expect(s0[5]).toBe(0);
  });

  it("option noise scales the steering noise: 0 (with drift 0) makes v1 deterministic whatever the noise stream", () => {
    const steerAfter = (options: Record<string, number>, noiseState: number): number => {
      const env = createEnv("CarTrack-v1", options);
      env.reset(1);
      env.setState([...env.getState().slice(0, 8), noiseState]);
      env.step([0]);
      return env.getState()[5] as number;
    };
    const quiet = [1, 2, 3].map((n) => steerAfter({ drift: 0, noise: 0 }, n * 7919));
    expect(new Set(quiet).size).toBe(1);
    expect(quiet[0]).toBe(0);
    // Half the noise: half the deviation of the full noise from the same stream (the lag is linear).
    const full = steerAfter({ drift: 0 }, 7919);
    expect(steerAfter({ drift: 0, noise: 0.5 }, 7919)).toBeCloseTo(full / 2, 12);
    expect(() => createEnv("CarTrack-v1", { noise: -1 })).toThrow(/option "noise" must be a non-negative number/);
    expect(() => createEnv("CarTrackPixels-v1", { noise: "loud" })).toThrow(/CarTrackPixels-v1: option "noise"/);
  });

  it("is narrower and faster than v0", () => {
    const v1 = createEnv("CarTrack-v1");
    v1.reset(0);
    const v0 = createEnv("CarTrack-v0");
    v0.reset(0);
    expect((v1.getState()[4] as number) / (v0.getState()[4] as number)).toBeCloseTo(16 / 12, 9);
    // Same pose offset, observed relative to a 2.5 m half-width instead of 4 m.
    const off0 = v0.observe()[11] as number;
    const off1 = v1.observe()[11] as number;
    expect(off1 / off0).toBeCloseTo(4 / 2.5, 6);
  });
});
