/**
 * The aggregation rules a project can pick (server/aggregation): `majority` per state and `reliability` over a
 * round, on discrete and continuous actions. The database path is tested in tests/integration/aggregation-rule.test.ts.
 */
import { describe, expect, it } from "vitest";
import { boxSpace } from "../../envs/spaces";
import { aggregateState } from "../../server/aggregation/aggregate-state";
import { aggregateRoundByReliability } from "../../server/aggregation/reliability-rule";

const discrete = { type: "discrete", n: 3 } as const;
const box = boxSpace([-1], [1]);
const opts = { multimodal: false, tolerance: 0.1, minAgreement: 0.5 };
const L = (...xs: (number | null)[]) => xs.map((x) => ({ action: x, cantTell: x === null }));

describe("majority", () => {
  it("discrete: the plurality, a tie goes to review", () => {
    expect(aggregateState(L(2, 2, 1), { ...opts, space: discrete, rule: "majority" })).toMatchObject({ status: "accepted", actions: [2] });
    expect(aggregateState(L(2, 1), { ...opts, space: discrete, rule: "majority", minAgreement: 0 })).toMatchObject({ status: "review", reason: "no agreement" });
  });

  it("continuous: the median of every label — which is why it is refused for multimodal heads", () => {
    const r = aggregateState(L(0.2, 0.25, 0.9), { ...opts, space: box, rule: "majority" });
    expect(r.status).toBe("accepted");
    expect(r.actions[0]).toEqual([0.25]);
    // Two modes: the median sits between them and few labels agree with it → review, not a silent average.
    expect(aggregateState(L(-1, -1, 1, 1, 0.05), { ...opts, space: box, rule: "majority" })).toMatchObject({ status: "review", reason: "low agreement" });
  });
});

describe("reliability over a round", () => {
  it("discrete: gold states expose a careless labeller, whose lone disagreeing answers then lose", () => {
    const items = [
      ...[0, 1, 2, 0, 1].map((g) => ({ gold: g, labels: [{ userId: "ann", action: g, cantTell: false }, { userId: "cy", action: (g + 1) % 3, cantTell: false }] })),
      { gold: null, labels: [{ userId: "ann", action: 2, cantTell: false }, { userId: "cy", action: 0, cantTell: false }] },
      { gold: null, labels: [{ userId: "ann", action: null, cantTell: true }, { userId: "cy", action: 0, cantTell: false }] },
    ];
    const { aggregates, accuracy } = aggregateRoundByReliability(items, { space: discrete, multimodal: false, tolerance: 0.1 });
    expect(accuracy.get("ann")!).toBeGreaterThan(0.8);
    expect(accuracy.get("cy")!).toBeLessThan(0.3);
    expect(aggregates[5]).toMatchObject({ status: "accepted", actions: [2] });
    // Half can't tell → review, whatever the reliability.
    expect(aggregates[6]).toMatchObject({ status: "review", reason: "can't tell" });
    expect(aggregates.slice(0, 5).every((a) => a.reason === "gold")).toBe(true);
  });

  it("mode-aware on a multimodal head: two gold-proven labellers who disagree keep both modes, never averaged", () => {
    const items = [
      ...[0.8, -0.8, 0.5, 0.2, -0.3, 0.9, -0.6, 0.1, 0.4, -0.9].map((g) => ({ gold: [g], labels: ["ann", "bob"].map((userId) => ({ userId, action: [g], cantTell: false })) })),
      { gold: null, labels: [{ userId: "ann", action: [1], cantTell: false }, { userId: "bob", action: [-1], cantTell: false }] },
    ];
    const { aggregates } = aggregateRoundByReliability(items, { space: box, multimodal: true, tolerance: 0.1 });
    expect(aggregates[10]!.status).toBe("accepted");
    expect(aggregates[10]!.actions.map((a) => (a as number[])[0]).sort()).toEqual([-1, 1]);
  });
});
