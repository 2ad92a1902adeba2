/**
 * Reliability-weighted aggregation (Dawid & Skene 1979, "one-coin" form): estimate each labeller's
 * accuracy from gold states and from agreement with the others, then weight their labels by it.
 *
 * Model: labeller j gives a correct label with probability a_j; a wrong label lands on a given wrong
 * answer with probability q (discrete: 1/(n−1); continuous: the tolerance window, `tol^d` of the
 * half-range cube). The labels of one state are grouped into clusters of agreeing answers (labels.ts).
 * EM alternates:
 * - E: for each state, the posterior that each cluster is right. Unimodal: clusters compete, π_c =
 *   softmax_c Σ_{j∈c} [logit a_j + log 1/q]. Mode-aware (`multimodal`): several clusters may be right
 *   (left *and* right of an obstacle), so each is judged on its own, π_c = σ(Σ_{j∈c}[logit a_j +
 *   log 1/q] − log 1/q − 2): a lone label counts as a mode only from a labeller with a ≳ 0.88.
 *   Gold states: a label is right iff it is within tolerance of a gold answer (no estimate needed).
 * - M: a_j = (Σ_i P(label_ij right) + 1) / (n_j + 2) (a Beta(1, 1) prior keeps it off 0 and 1).
 *
 * Aggregation then returns, per state, the reliability-weighted median of the winning cluster (or of
 * every kept cluster, mode-aware) — a median inside one cluster, so two modes are never averaged —
 * ignoring labels from people whose estimated accuracy is below `minAccuracy`, and "can't tell" answers.
 *
 * Pure and browser-safe.
 */
import type { Action, Space } from "../../envs/index";
import { clusterActions, halfRanges } from "./labels";

export interface ItemLabel {
  readonly person: number;
  /** null = "can't tell" (ignored). */
  readonly action: Action | null;
}

export interface ReliabilityItem {
  readonly labels: readonly ItemLabel[];
  /** Gold state: the acceptable answers (any of them is right). */
  readonly gold?: readonly Action[];
}

export interface ReliabilityOptions {
  readonly space: Space;
  /** Several clusters of one state may all be right (mixture / autoregressive heads). */
  readonly multimodal?: boolean;
  /** Agreement distance in half-ranges (default 0.1, as consensus). */
  readonly tolerance?: number;
  readonly iterations?: number;
  /** Starting accuracy of everyone (default 0.7). */
  readonly initialAccuracy?: number;
  /** Labels of people estimated below this accuracy are left out of the aggregate (default 0.6). */
  readonly minAccuracy?: number;
}

export interface AggregatedItem {
  readonly status: "accepted" | "review";
  readonly actions: Action[];
  /** Posterior that the accepted cluster(s) are right (review: the best cluster's). */
  readonly confidence: number;
}

export interface ReliabilityResult {
  /** Estimated accuracy per person id. */
  readonly accuracy: ReadonlyMap<number, number>;
  /** Labels per person id the estimate rests on. */
  readonly counts: ReadonlyMap<number, number>;
  readonly items: AggregatedItem[];
  readonly iterations: number;
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const logit = (a: number): number => Math.log(a / (1 - a));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

interface Prepared {
  readonly persons: number[];
  readonly vecs: number[][];
  /** Cluster index of each label. */
  readonly clusterOf: number[];
  readonly clusters: number[][];
  /** Gold: per label, right or wrong. */
  readonly goldRight: boolean[] | null;
}

export function estimateReliability(items: readonly ReliabilityItem[], options: ReliabilityOptions): ReliabilityResult {
  const { space } = options;
  const tol = options.tolerance ?? 0.1;
  const multimodal = options.multimodal ?? false;
  const minAccuracy = options.minAccuracy ?? 0.6;
  const dims = space.type === "discrete" ? 1 : space.shape[0];
  const q = space.type === "discrete" ? 1 / Math.max(space.n - 1, 1) : Math.min(tol ** dims, 0.5);
  const bonus = Math.log(1 / q);
  const scale = halfRanges(space);
  const toVec = (a: Action): number[] => (typeof a === "number" ? [a] : Array.from(a));
  const close = (a: readonly number[], b: readonly number[]): boolean =>
    space.type === "discrete"
      ? a[0] === b[0]
      : Math.sqrt(a.reduce((s, v, j) => s + ((v - (b[j] as number)) / (scale[j] as number)) ** 2, 0)) <= tol;

  const prepared: Prepared[] = items.map((item) => {
    const given = item.labels.filter((l): l is { person: number; action: Action } => l.action !== null);
    const vecs = given.map((l) => toVec(l.action));
    const clusters = clusterActions(vecs, space, tol);
    const clusterOf = new Array<number>(vecs.length).fill(0);
    clusters.forEach((c, ci) => c.forEach((i) => (clusterOf[i] = ci)));
    const goldRight = item.gold ? vecs.map((v) => (item.gold as readonly Action[]).some((g) => close(v, toVec(g)))) : null;
    return { persons: given.map((l) => l.person), vecs, clusterOf, clusters, goldRight };
  });

  const accuracy = new Map<number, number>();
  const counts = new Map<number, number>();
  for (const p of prepared) for (const j of p.persons) counts.set(j, (counts.get(j) ?? 0) + 1);
  for (const j of counts.keys()) accuracy.set(j, options.initialAccuracy ?? 0.7);

  /** Posterior that each cluster of a (non-gold) item is right. */
  const posterior = (p: Prepared): number[] => {
    const scores = p.clusters.map((c) => c.reduce((s, i) => s + logit(clamp(accuracy.get(p.persons[i] as number) as number, 0.01, 0.99)) + bonus, 0));
    if (multimodal) return scores.map((s) => sigmoid(s - bonus - 2));
    const m = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };

  const maxIter = options.iterations ?? 50;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    const right = new Map<number, number>();
    for (const p of prepared) {
      if (p.vecs.length === 0) continue;
      const post = p.goldRight ? null : posterior(p);
      p.persons.forEach((j, i) => {
        const r = p.goldRight ? (p.goldRight[i] ? 1 : 0) : (post as number[])[p.clusterOf[i] as number] as number;
        right.set(j, (right.get(j) ?? 0) + r);
      });
    }
    let change = 0;
    for (const [j, n] of counts) {
      const a = ((right.get(j) ?? 0) + 1) / (n + 2);
      change = Math.max(change, Math.abs(a - (accuracy.get(j) as number)));
      accuracy.set(j, a);
    }
    if (change < 1e-6) {
      iter++;
      break;
    }
  }

  const out: AggregatedItem[] = prepared.map((p) => {
    if (p.vecs.length === 0) return { status: "review", actions: [], confidence: 0 };
    const post = posterior(p);
    const trusted = (i: number): boolean => (accuracy.get(p.persons[i] as number) as number) >= minAccuracy;
    const weightedMedian = (members: readonly number[]): Action => {
      const use = members.some(trusted) ? members.filter(trusted) : members;
      if (space.type === "discrete") return p.vecs[use[0] as number]?.[0] as number;
      return Array.from({ length: dims }, (_, d) =>
        weightedMedianOf(
          use.map((i) => (p.vecs[i] as number[])[d] as number),
          use.map((i) => accuracy.get(p.persons[i] as number) as number),
        ),
      );
    };
    const order = post.map((_, c) => c).sort((a, b) => (post[b] as number) - (post[a] as number));
    const best = order[0] as number;
    const supported = (c: number): boolean => (p.clusters[c] as number[]).some(trusted);
    if (multimodal) {
      const kept = order.filter((c) => (post[c] as number) >= 0.5 && supported(c));
      if (kept.length === 0) return { status: "review", actions: [], confidence: post[best] as number };
      return { status: "accepted", actions: kept.map((c) => weightedMedian(p.clusters[c] as number[])), confidence: Math.min(...kept.map((c) => post[c] as number)) };
    }
    if ((post[best] as number) <= 0.5 || !supported(best)) return { status: "review", actions: [], confidence: post[best] as number };
    return { status: "accepted", actions: [weightedMedian(p.clusters[best] as number[])], confidence: post[best] as number };
  });
  return { accuracy, counts, items: out, iterations: iter };
}

/** The lower weighted median: the smallest value where the cumulative weight reaches half the total. */
function weightedMedianOf(values: readonly number[], weights: readonly number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (const i of order) {
    acc += weights[i] as number;
    if (acc >= total / 2) return values[i] as number;
  }
  return values[order[order.length - 1] as number] as number;
}
