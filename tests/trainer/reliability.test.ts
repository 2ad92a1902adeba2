/**
 * Reliability-weighted aggregation (Dawid–Skene one-coin EM) on synthetic labels with planted
 * accuracies: it recovers them within ±0.05, it beats an unweighted majority when a share of the
 * labellers is noisy, and mode-aware aggregation never averages two modes.
 */
import { describe, expect, it } from "vitest";
import { boxSpace, discreteSpace } from "../../envs/spaces";
import { consensus } from "../../trainer/dagger/labels";
import { estimateReliability, type ReliabilityItem } from "../../trainer/dagger/reliability";
import { mulberry32, type Rng } from "../../trainer/random";

function planted(people: number, rng: Rng): number[] {
  return Array.from({ length: people }, (_, j) => (j < people * 0.3 ? 0.45 + 0.15 * rng() : 0.8 + 0.18 * rng()));
}

/** k distinct labellers per item, each right with its planted accuracy. */
function pickPeople(k: number, people: number, rng: Rng): number[] {
  const out: number[] = [];
  while (out.length < k) {
    const j = Math.floor(rng() * people);
    if (!out.includes(j)) out.push(j);
  }
  return out;
}

describe("reliability (Dawid–Skene)", () => {
  it("recovers planted accuracies within ±0.05 — discrete labels, 5% gold states", () => {
    const rng = mulberry32(11);
    const n = 4;
    const acc = planted(20, rng);
    const truth: number[] = [];
    const items: ReliabilityItem[] = Array.from({ length: 4000 }, (_, i) => {
      const t = Math.floor(rng() * n);
      truth.push(t);
      const labels = pickPeople(5, acc.length, rng).map((person) => {
        if (rng() < (acc[person] as number)) return { person, action: t };
        const wrong = (t + 1 + Math.floor(rng() * (n - 1))) % n;
        return { person, action: wrong };
      });
      return i % 20 === 0 ? { labels, gold: [t] } : { labels };
    });
    const result = estimateReliability(items, { space: discreteSpace(n) });
    for (const [j, a] of acc.entries()) expect(Math.abs((result.accuracy.get(j) as number) - a), `labeller ${j}`).toBeLessThanOrEqual(0.05);
    // …and the weighted aggregate beats a plain majority vote.
    const correct = (actions: (number | null)[]) => actions.filter((a, i) => a === truth[i]).length / truth.length;
    const weighted = correct(result.items.map((r) => (r.status === "accepted" ? (r.actions[0] as number) : null)));
    const majority = correct(items.map((it) => {
      const c = consensus(it.labels.map((l) => l.action as number), { space: discreteSpace(n) });
      return c.status === "accepted" ? (c.actions[0] as number) : null;
    }));
    expect(weighted).toBeGreaterThan(majority + 0.03);
  });

  it("recovers planted accuracies within ±0.05 — continuous labels, agreement only (no gold)", () => {
    const rng = mulberry32(12);
    const space = boxSpace([-1], [1]);
    const acc = planted(15, rng);
    const items: ReliabilityItem[] = Array.from({ length: 3000 }, () => {
      const t = 2 * rng() - 1;
      return {
        labels: pickPeople(5, acc.length, rng).map((person) => {
          if (rng() < (acc[person] as number)) return { person, action: [t + 0.01 * (2 * rng() - 1)] };
          let w = t;
          while (Math.abs(w - t) < 0.3) w = 2 * rng() - 1; // a wrong label is really wrong
          return { person, action: [w] };
        }),
      };
    });
    const result = estimateReliability(items, { space });
    for (const [j, a] of acc.entries()) expect(Math.abs((result.accuracy.get(j) as number) - a), `labeller ${j}`).toBeLessThanOrEqual(0.05);
  });

  it("mode-aware: keeps both modes as separate targets and never averages them", () => {
    const rng = mulberry32(13);
    const space = boxSpace([-1], [1]);
    const people = 10;
    const items: ReliabilityItem[] = Array.from({ length: 800 }, () => ({
      labels: pickPeople(4, people, rng).map((person) => {
        const r = rng();
        // Careful people pick either mode; person 0 and 1 are noisy.
        if (person < 2 && r < 0.5) return { person, action: [2 * rng() - 1] };
        return { person, action: [(rng() < 0.5 ? -0.8 : 0.8) + 0.01 * (2 * rng() - 1)] };
      }),
    }));
    for (const multimodal of [true, false]) {
      const result = estimateReliability(items, { space, multimodal });
      let bothModes = 0;
      for (const item of result.items) {
        for (const a of item.actions) expect(Math.abs(Math.abs((a as number[])[0]!) - 0.8)).toBeLessThan(0.02);
        if (item.actions.length === 2) bothModes++;
        if (!multimodal) expect(item.actions.length).toBeLessThanOrEqual(1);
      }
      if (multimodal) expect(bothModes).toBeGreaterThan(200);
    }
  });

  it("ignores \"can't tell\" answers and sends a tie of equally trusted clusters to review", () => {
    const space = discreteSpace(3);
    const result = estimateReliability(
      [
        { labels: [{ person: 0, action: 1 }, { person: 1, action: 2 }, { person: 2, action: null }] },
        { labels: [{ person: 2, action: null }] },
      ],
      { space },
    );
    expect(result.items[0]?.status).toBe("review");
    expect(result.items[1]).toEqual({ status: "review", actions: [], confidence: 0 });
    expect(result.counts.get(2)).toBeUndefined();
  });
});
