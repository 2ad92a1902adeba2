/**
 * The people-like labeller model: each inconsistency's measured statistics match its parameter
 * (20 000 labels per check, so a proportion's standard error is ≤ 0.0035; tolerances ≈ 4 SE).
 */
import { describe, expect, it } from "vitest";
import type { Expert, Space } from "../../envs/index";
import { boxSpace, discreteSpace } from "../../envs/spaces";
import { createForkV1Expert } from "../../envs/fork/expert-v1";
import { createCrowd, type CrowdPersonTemplate } from "../../trainer/dagger/labeller-model";

const N = 20_000;
const QUIET: CrowdPersonTemplate = { errorRate: 0, fatiguePer1000: 0, maxErrorRate: 1, biasScale: 0, jitter: 0, reactionDelaySteps: 0, modeFlip: 0, cantTell: 0 };

/** Discrete expert on 4 actions: 1 when state[0] > 0, else 2 (its decision boundary is state[0] = 0). */
const stepExpert: Expert = {
  envId: "test",
  score: { metric: "mean return", value: 0, episodes: 1, description: "test" },
  reset: () => undefined,
  act: (s) => ((s[0] as number) > 0 ? 1 : 2),
};
/** Continuous expert: the action is state[0] (so a delayed label shows which state was seen). */
const echoExpert: Expert = { ...stepExpert, act: (s) => [s[0] as number] };

function person(space: Space, expert: Expert, overrides: Partial<CrowdPersonTemplate>, seed = 1) {
  return createCrowd({ expert, space, size: 1, noisyFraction: 0, seed, careful: { ...QUIET, ...overrides } });
}

describe("people-like labeller model", () => {
  it("gross errors: a random action with probability errorRate", () => {
    const crowd = person(discreteSpace(4), stepExpert, { errorRate: 0.2 });
    let wrong = 0;
    for (let i = 0; i < N; i++) if (crowd.labelBy(0, [1]).action !== 1) wrong++;
    // A random action is the right one a quarter of the time.
    expect(Math.abs(wrong / N - 0.2 * 0.75)).toBeLessThan(0.012);
  });

  it("fatigue: the error rate rises by fatiguePer1000 per 1000 labels", () => {
    const crowd = person(discreteSpace(4), stepExpert, { errorRate: 0.05, fatiguePer1000: 0.05 });
    const errors = (n: number): number => {
      let wrong = 0;
      for (let i = 0; i < n; i++) if (crowd.labelBy(0, [1]).action !== 1) wrong++;
      return wrong / n;
    };
    const early = errors(2000); // labels 0..1999: mean error 0.05 + 0.05·1 = 0.10
    errors(4000);
    const late = errors(2000); // labels 6000..7999: 0.05 + 0.05·7 = 0.40
    expect(Math.abs(early - 0.1 * 0.75)).toBeLessThan(0.025);
    expect(Math.abs(late - 0.4 * 0.75)).toBeLessThan(0.035);
    expect(crowd.errorRateOf(0)).toBeCloseTo(0.05 + 0.05 * 8, 9);
  });

  it("bias and jitter: continuous labels are offset by the person's bias with jitter as their spread", () => {
    const crowd = person(boxSpace([-2], [2]), echoExpert, { biasScale: 0.2, jitter: 0.05 });
    const bias = crowd.people[0]!.bias[0]!;
    expect(Math.abs(bias)).toBeGreaterThan(0);
    const xs = Array.from({ length: N }, () => (crowd.labelBy(0, [0]).action as number[])[0]!);
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
    // Half-range 2: offset 2·bias, spread 2·jitter.
    expect(mean).toBeCloseTo(2 * bias, 2);
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.004);
  });

  it("discrete bias: the favourite action with probability bias", () => {
    const crowd = person(discreteSpace(4), stepExpert, { biasScale: 0.3 }, 5);
    const fav = crowd.people[0]!.favouriteAction;
    const other = fav === 1 ? [-1] : [1];
    const expected = fav === 1 ? 2 : 1;
    let favs = 0;
    for (let i = 0; i < N; i++) {
      const a = crowd.labelBy(0, other).action;
      if (a === fav) favs++;
      else expect(a).toBe(expected);
    }
    expect(Math.abs(favs / N - 0.3)).toBeLessThan(0.015);
  });

  it("reaction delay: riding along, the label is for the state reactionDelaySteps earlier", () => {
    const crowd = person(boxSpace([-100], [100]), echoExpert, { reactionDelaySteps: 3 });
    const history = [[1], [2], [3], [4], [5]];
    expect(crowd.labelBy(0, [6], history).action).toEqual([3]);
    expect(crowd.labelBy(0, [6]).action).toEqual([6]); // a frozen state: no delay
    expect(crowd.labelBy(0, [6], [[5]]).action).toEqual([5]); // at the start of an episode: what there is
  });

  it("mode flips: on Fork-v1's aligned states the non-habitual side with probability modeFlip", () => {
    const crowd = createCrowd({ expert: createForkV1Expert(), space: boxSpace([-1], [1]), size: 4, noisyFraction: 0, seed: 3, careful: { ...QUIET, modeFlip: 0.15 } });
    for (const [i, p] of crowd.people.entries()) {
      let flips = 0;
      for (let n = 0; n < N / 4; n++) {
        const a = (crowd.labelBy(i, [0.1, 0, 0, 5, 0]).action as number[])[0]!;
        if (Math.sign(a) !== p.habitualSide) flips++;
      }
      expect(Math.abs(flips / (N / 4) - 0.15)).toBeLessThan(0.025);
    }
    expect(new Set(crowd.people.map((p) => p.habitualSide)).size).toBe(2);
  });

  it("can't tell: null with probability cantTell near the expert's decision boundary, never away from it", () => {
    const crowd = person(discreteSpace(4), stepExpert, { cantTell: 0.4 });
    let nulls = 0;
    for (let i = 0; i < N; i++) if (crowd.labelBy(0, [0.0005]).action === null) nulls++;
    expect(Math.abs(nulls / N - 0.4)).toBeLessThan(0.015);
    for (let i = 0; i < 2000; i++) expect(crowd.labelBy(0, [0.5]).action).toBe(1);
    expect(crowd.labelsGiven).toBe(N + 2000);
  });

  it("a crowd has its noisy share, k distinct people per state, and replays per seed", () => {
    const make = () => createCrowd({ expert: stepExpert, space: discreteSpace(4), size: 10, noisyFraction: 0.3, seed: 9 });
    const a = make();
    expect(a.people.filter((p) => p.noisy)).toHaveLength(3);
    const labels = a.label([1], 5);
    expect(new Set(labels.map((l) => l.person)).size).toBe(5);
    const b = make();
    expect(b.label([1], 5)).toEqual(labels);
    expect(() => a.label([1], 11)).toThrow(/k must be/);
  });
});

describe("people-like labellers on a real env", () => {
  it("label CarTrack-v1 states (integer track and PRNG fields are never nudged)", async () => {
    const { createEnv, createExpert } = await import("../../envs/index");
    const env = createEnv("CarTrack-v1");
    env.reset(3, { track: 0 });
    const crowd = createCrowd({ expert: createExpert("CarTrack-v1"), space: env.spec.actionSpace, size: 5, noisyFraction: 0, seed: 1, careful: { cantTell: 1 } });
    const labels = crowd.label(env.getState(), 5);
    expect(labels).toHaveLength(5);
    for (const l of labels) if (l.action !== null) expect((l.action as number[])[0]).toBeGreaterThanOrEqual(-1);
  });
});
