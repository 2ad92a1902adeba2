/**
 * Label efficiency (issue 20, goal 5): how many labels a selection rule needs to reach uniform
 * selection's final score, and whether uniform had saturated at its budget. Pure functions over
 * curves (normalised return per round, one array per seed), used by bench/efficacy.ts experiment C.
 */
import { meanCi95, type MeanCi } from "../../trainer/dagger/summary";

/** One arm's curve: the labels spent after each round and the normalised return per seed and round. */
export interface ArmCurve {
  readonly labels: readonly number[];
  readonly perSeed: readonly (readonly number[])[];
}

/** Mean over seeds per round. */
export function meanCurve(c: ArmCurve): number[] {
  return c.labels.map((_, i) => meanCi95(c.perSeed.map((s) => s[i] as number)).mean);
}

/** Labels spent when `values` first reaches `threshold` (≥), or null when it never does within the curve. */
export function firstReach(labels: readonly number[], values: readonly number[], threshold: number): number | null {
  const i = values.findIndex((v) => v >= threshold);
  return i < 0 ? null : (labels[i] as number);
}

export interface LabelsToReach {
  /** Uniform's final score: the mean over seeds of its last round. */
  readonly target: number;
  /** Uniform's label budget: its labels after the last round. */
  readonly budget: number;
  /** Labels at which the arm's mean-over-seeds curve first reaches the target; null = not within its budget. */
  readonly meanCurve: number | null;
  /** `meanCurve / budget`, or null. */
  readonly meanCurveRatio: number | null;
  /** Per seed: labels at which that seed's curve first reaches the target; null = not within the budget. */
  readonly perSeed: readonly (number | null)[];
  readonly seedsReached: number;
  /** Mean ± 95 % CI of the per-seed label counts — only when every seed reached the target (else null: censored). */
  readonly perSeedMean: MeanCi | null;
  /** Median of the per-seed label counts, a seed that never reached counting as more than the budget; null when half or more never reached. */
  readonly perSeedMedian: number | null;
}

/** Median of label counts where null means "more than any count" (right-censored); null when the median is censored. */
export function censoredMedian(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b));
  const n = sorted.length;
  const lo = sorted[Math.floor((n - 1) / 2)] ?? null;
  const hi = sorted[Math.ceil((n - 1) / 2)] ?? null;
  return lo === null || hi === null ? null : (lo + hi) / 2;
}

/** How many labels `arm` needs to reach `uniform`'s final mean score (on the mean curve and per seed). */
export function labelsToReach(uniform: ArmCurve, arm: ArmCurve): LabelsToReach {
  const last = uniform.labels.length - 1;
  if (last < 0) throw new Error("uniform's curve has no rounds");
  const target = meanCurve(uniform)[last] as number;
  const budget = uniform.labels[last] as number;
  const mean = firstReach(arm.labels, meanCurve(arm), target);
  const perSeed = arm.perSeed.map((s) => firstReach(arm.labels, s, target));
  const reached = perSeed.filter((v): v is number => v !== null);
  return {
    target,
    budget,
    meanCurve: mean,
    meanCurveRatio: mean === null ? null : mean / budget,
    perSeed,
    seedsReached: reached.length,
    perSeedMean: reached.length === perSeed.length && reached.length > 0 ? meanCi95(reached) : null,
    perSeedMedian: censoredMedian(perSeed),
  };
}

/** Goal 5: the arm reaches uniform's final score (mean curve) with at most `share` of uniform's labels. */
export function meetsLabelShare(r: LabelsToReach, share = 0.5): boolean {
  return r.meanCurve !== null && r.meanCurve <= share * r.budget;
}

export interface Saturation {
  readonly saturated: boolean;
  /** Final mean score. */
  readonly final: number;
  /** Best mean score within the first half of the budget. */
  readonly bestFirstHalf: number;
  /** Why (or why not), in words with the figures. */
  readonly reason: string;
}

/**
 * Whether uniform has saturated at its budget, so that "reach uniform's final score" says little:
 * its final mean is at the ceiling (≥ `ceiling`, near the expert's 1.0), or its mean curve was already
 * within `plateau` of the final score with half the labels.
 */
export function saturation(uniform: ArmCurve, ceiling = 0.95, plateau = 0.02): Saturation {
  const mean = meanCurve(uniform);
  const final = mean[mean.length - 1] as number;
  const budget = uniform.labels[uniform.labels.length - 1] as number;
  const firstHalf = mean.filter((_, i) => (uniform.labels[i] as number) <= budget / 2);
  const bestFirstHalf = firstHalf.length ? Math.max(...firstHalf) : Number.NEGATIVE_INFINITY;
  const atCeiling = final >= ceiling;
  const flat = bestFirstHalf >= final - plateau;
  const half = Number.isFinite(bestFirstHalf) ? bestFirstHalf.toFixed(3) : "n/a";
  const reason = atCeiling
    ? `uniform's final mean ${final.toFixed(3)} is at the ceiling (≥ ${ceiling})`
    : flat
      ? `uniform's mean was already ${half} with half its ${budget} labels, within ${plateau} of its final ${final.toFixed(3)}`
      : `uniform's final mean ${final.toFixed(3)} is below ${ceiling} and ${(final - bestFirstHalf).toFixed(3)} above its best with half its ${budget} labels (${half})`;
  return { saturated: atCeiling || flat, final, bestFirstHalf, reason };
}

/** One seed's DAgger and BC curves, round by round (the same labels after each round). */
export interface PairedCurve {
  readonly labels: readonly number[];
  readonly dagger: readonly number[];
  readonly bc: readonly number[];
}

/** Where DAgger first reaches the threshold, and BC's score with the same labels there. */
export interface Crossing {
  readonly round: number;
  readonly labels: number;
  readonly dagger: number;
  readonly bc: number;
  /** DAgger − BC at that round. */
  readonly gap: number;
}

/**
 * bench:efficacy's reading of "BC with the same labels stays below": BC's score at the round where DAgger first
 * reaches `threshold`; null when DAgger never does within the curve.
 */
export function crossingGap(c: PairedCurve, threshold: number): Crossing | null {
  const round = c.dagger.findIndex((v) => v >= threshold);
  if (round < 0) return null;
  const dagger = c.dagger[round] as number;
  const bc = c.bc[round] as number;
  return { round, labels: c.labels[round] as number, dagger, bc, gap: dagger - bc };
}

/**
 * The label-efficiency reading over seeds: the mean ± 95 % CI of DAgger − BC at DAgger's first crossing (a seed whose
 * DAgger never crosses counts as no evidence: it is left out and counted), and each arm's median labels to the
 * threshold, a seed that never reaches it counting as more than its budget (null: censored).
 */
export function labelEfficiency(curves: readonly PairedCurve[], threshold: number): {
  readonly crossings: readonly (Crossing | null)[];
  readonly gap: MeanCi;
  readonly daggerMedianLabels: number | null;
  readonly bcMedianLabels: number | null;
} {
  const crossings = curves.map((c) => crossingGap(c, threshold));
  return {
    crossings,
    gap: meanCi95(crossings.filter((x): x is Crossing => x !== null).map((x) => x.gap)),
    daggerMedianLabels: censoredMedian(curves.map((c) => firstReach(c.labels, c.dagger, threshold))),
    bcMedianLabels: censoredMedian(curves.map((c) => firstReach(c.labels, c.bc, threshold))),
  };
}
