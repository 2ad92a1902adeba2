/**
 * Experiment C's threshold measure (bench/lib/label-efficiency.ts): labels an arm needs to reach
 * uniform's final mean score, per seed and on the mean curve, and the computed "saturated" note.
 */
import { describe, expect, it } from "vitest";
import { censoredMedian, crossingGap, firstReach, labelEfficiency, labelsToReach, meanCurve, meetsLabelShare, saturation } from "../../bench/lib/label-efficiency";

const labels = [20, 40, 60, 80, 100];

describe("label efficiency", () => {
  it("firstReach returns the labels of the first round at or above the threshold, null when none", () => {
    expect(firstReach(labels, [0.1, 0.5, 0.4, 0.8, 0.9], 0.5)).toBe(40);
    expect(firstReach(labels, [0.1, 0.5, 0.4, 0.8, 0.9], 0.91)).toBeNull();
  });

  it("meanCurve averages seeds per round", () => {
    expect(meanCurve({ labels: [1, 2], perSeed: [[0, 1], [1, 0.5]] })).toEqual([0.5, 0.75]);
  });

  it("measures the arm against uniform's final mean, on the mean curve and per seed", () => {
    // Uniform ends at mean 0.7 after 100 labels.
    const uniform = { labels, perSeed: [[0, 0.2, 0.4, 0.6, 0.8], [0, 0.2, 0.3, 0.5, 0.6]] };
    const arm = { labels, perSeed: [[0, 0.7, 0.8, 0.9, 0.9], [0, 0.5, 0.7, 0.9, 0.9]] };
    const r = labelsToReach(uniform, arm);
    expect(r.target).toBeCloseTo(0.7);
    expect(r.budget).toBe(100);
    // Mean curve: 0, 0.6, 0.75, … → first ≥ 0.7 at 60 labels.
    expect(r.meanCurve).toBe(60);
    expect(r.meanCurveRatio).toBeCloseTo(0.6);
    expect(r.perSeed).toEqual([40, 60]);
    expect(r.seedsReached).toBe(2);
    expect(r.perSeedMean?.mean).toBe(50);
    expect(r.perSeedMedian).toBe(50);
    expect(meetsLabelShare(r)).toBe(false);
    expect(meetsLabelShare(r, 0.6)).toBe(true);
  });

  it("a seed that never reaches the target is censored: no mean, the median counts it as above the budget", () => {
    const uniform = { labels, perSeed: [[0, 0, 0, 0, 0.5]] };
    const arm = { labels, perSeed: [[0, 0.5, 0.5, 0.5, 0.5], [0, 0, 0.6, 0.6, 0.6], [0, 0, 0, 0, 0.1]] };
    const r = labelsToReach(uniform, arm);
    expect(r.perSeed).toEqual([40, 60, null]);
    expect(r.seedsReached).toBe(2);
    expect(r.perSeedMean).toBeNull();
    expect(r.perSeedMedian).toBe(60);
    // Mean curve 0, 0.17, 0.37, 0.37, 0.4 never reaches 0.5.
    expect(r.meanCurve).toBeNull();
    expect(meetsLabelShare(r)).toBe(false);
  });

  it("meets the goal when the mean curve reaches the target with at most half the budget", () => {
    const uniform = { labels, perSeed: [[0, 0.1, 0.2, 0.3, 0.6]] };
    const arm = { labels, perSeed: [[0, 0.6, 0.6, 0.6, 0.6]] };
    const r = labelsToReach(uniform, arm);
    expect(r.meanCurve).toBe(40);
    expect(meetsLabelShare(r)).toBe(true);
  });

  it("censoredMedian: null when half or more are censored", () => {
    expect(censoredMedian([10, null])).toBeNull();
    expect(censoredMedian([10, 30, null])).toBe(30);
    expect(censoredMedian([10, 20, 30, null])).toBe(25);
    expect(censoredMedian([])).toBeNull();
  });

  it("saturation: at the ceiling, on a plateau by half the budget, or still climbing", () => {
    expect(saturation({ labels, perSeed: [[0, 0.5, 0.6, 0.9, 0.99]] }).saturated).toBe(true);
    const flat = saturation({ labels, perSeed: [[0, 0.79, 0.7, 0.75, 0.8]] });
    expect(flat.saturated).toBe(true);
    expect(flat.bestFirstHalf).toBeCloseTo(0.79);
    const climbing = saturation({ labels, perSeed: [[0, 0.3, 0.5, 0.6, 0.8]] });
    expect(climbing.saturated).toBe(false);
    expect(climbing.reason).toContain("below 0.95");
  });

  it("crossingGap reads BC where DAgger first reaches the threshold; null when DAgger never does", () => {
    const c = { labels: [500, 1000, 1500], dagger: [0.3, 0.95, 1], bc: [0.3, 0.6, 1] };
    const x = crossingGap(c, 0.9);
    expect(x).toMatchObject({ round: 1, labels: 1000, dagger: 0.95, bc: 0.6 });
    expect(x?.gap).toBeCloseTo(0.35);
    expect(crossingGap({ ...c, dagger: [0.3, 0.5, 0.8] }, 0.9)).toBeNull();
  });

  it("labelEfficiency averages the gaps of seeds whose DAgger crosses, and censors labels to the threshold", () => {
    const labels3 = [500, 1000, 1500];
    const r = labelEfficiency(
      [
        { labels: labels3, dagger: [0.3, 0.95, 1], bc: [0.3, 0.55, 1] },
        { labels: labels3, dagger: [0.9, 1, 1], bc: [0.7, 0.8, 0.85] },
        { labels: labels3, dagger: [0.3, 0.5, 0.6], bc: [0.3, 0.4, 0.5] },
      ],
      0.9,
    );
    expect(r.crossings.map((x) => x?.round ?? null)).toEqual([1, 0, null]);
    expect(r.gap.n).toBe(2);
    expect(r.gap.mean).toBeCloseTo((0.4 + 0.2) / 2);
    expect(r.gap.ci95).toBeGreaterThan(0);
    // DAgger: 1000, 500, never → median 1000; BC: 1500, never, never → censored.
    expect(r.daggerMedianLabels).toBe(1000);
    expect(r.bcMedianLabels).toBeNull();
  });
});
