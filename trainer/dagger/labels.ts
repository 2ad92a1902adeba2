/**
 * Labels for visited states: a (simulated) noisy labeller built on a scripted expert, and the
 * consensus rule that turns k labels of one state into training targets.
 *
 * Consensus never averages two modes (labellers passing an obstacle left *or* right are both right;
 * their mean crashes): continuous labels are first clustered (single linkage, distance in units of the
 * action half-range); a cluster needs ≥ 2 labels to count (a lone label may be noise).
 * - one supported cluster, or one strictly larger than the others → its coordinate-wise median;
 * - several equally supported clusters → all their medians as separate samples when the head is
 *   multimodal (`multimodal: true`), otherwise `review` (a person decides; headless runs drop it);
 * - no two labels agree → `review`.
 * Discrete labels: the strict plurality action with ≥ 2 votes, otherwise `review`.
 * With k = 1 the single label is accepted as is.
 *
 * Browser-safe.
 */
import type { Action, Expert, Space } from "../../envs/index";
import { mulberry32, subSeed, type Rng } from "../random";

export interface NoisyLabelerOptions {
  readonly expert: Expert;
  readonly space: Space;
  /** Probability that a label is replaced by a uniformly random action (default 0). */
  readonly noise?: number;
  readonly seed?: number;
  /**
   * Re-draw the expert's per-episode choice (e.g. Fork's side) for every label, like independent
   * people labelling (default true).
   */
  readonly independentLabelers?: boolean;
}

export interface NoisyLabeler {
  /** `k` independent labels of the state (layout `spec.stateFields`). */
  label(state: readonly number[], k: number): Action[];
  /** Labels given so far (the label budget spent). */
  readonly labelsGiven: number;
}

export function createNoisyLabeler(options: NoisyLabelerOptions): NoisyLabeler {
  const noise = options.noise ?? 0;
  if (!(noise >= 0 && noise <= 1)) throw new Error(`label noise must be in [0, 1], got ${noise}`);
  const rng = mulberry32(subSeed(options.seed ?? 0, 21));
  const independent = options.independentLabelers ?? true;
  const { space, expert } = options;
  let given = 0;
  return {
    label(state, k) {
      const out: Action[] = [];
      for (let i = 0; i < k; i++) {
        given++;
        if (rng() < noise) {
          out.push(randomAction(space, rng));
          continue;
        }
        if (independent) expert.reset(Math.floor(rng() * 2 ** 31));
        out.push(expert.act(state));
      }
      return out;
    },
    get labelsGiven() {
      return given;
    },
  };
}

export function randomAction(space: Space, rng: Rng): Action {
  if (space.type === "discrete") return Math.min(Math.floor(rng() * space.n), space.n - 1);
  return space.low.map((lo, j) => lo + ((space.high[j] as number) - lo) * rng());
}

export interface ConsensusOptions {
  readonly space: Space;
  /** Keep every well-supported cluster as a sample (for mixture / autoregressive heads). */
  readonly multimodal?: boolean;
  /** Single-linkage distance, in action half-ranges (default 0.1). */
  readonly tolerance?: number;
}

export interface ConsensusResult {
  readonly status: "accepted" | "review";
  /** Training targets for the state: one, or one per mode (multimodal). Empty for `review`. */
  readonly actions: Action[];
  /** Share of labels in the accepted cluster(s) (for review: in the largest cluster). */
  readonly agreement: number;
  /** Number of clusters with ≥ 2 labels. */
  readonly supportedClusters: number;
}

export function consensus(labels: readonly Action[], options: ConsensusOptions): ConsensusResult {
  const k = labels.length;
  if (k === 0) return { status: "review", actions: [], agreement: 0, supportedClusters: 0 };
  if (k === 1) return { status: "accepted", actions: [labels[0] as Action], agreement: 1, supportedClusters: 1 };
  const { space } = options;
  if (space.type === "discrete") {
    const counts = new Map<number, number>();
    for (const l of labels) counts.set(l as number, (counts.get(l as number) ?? 0) + 1);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const [top, second] = sorted as [[number, number], [number, number] | undefined];
    const supported = sorted.filter(([, c]) => c >= 2).length;
    if (top[1] >= 2 && (second === undefined || top[1] > second[1])) {
      return { status: "accepted", actions: [top[0]], agreement: top[1] / k, supportedClusters: supported };
    }
    return { status: "review", actions: [], agreement: top[1] / k, supportedClusters: supported };
  }
  // Continuous: cluster in half-range units.
  const d = space.shape[0];
  const vecs = labels.map((l) => (typeof l === "number" ? [l] : Array.from(l)));
  const clusters = clusterActions(vecs, space, options.tolerance ?? 0.1).sort((a, b) => b.length - a.length);
  const supported = clusters.filter((c) => c.length >= 2);
  const largest = (clusters[0] as number[]).length;
  if (supported.length === 0) return { status: "review", actions: [], agreement: largest / k, supportedClusters: 0 };
  const medianOf = (members: number[]): number[] =>
    Array.from({ length: d }, (_, j) => median(members.map((i) => (vecs[i] as number[])[j] as number)));
  const top = supported[0] as number[];
  const runnerUp = supported[1];
  if (options.multimodal) {
    const kept = supported.reduce((s, c) => s + c.length, 0);
    return { status: "accepted", actions: supported.map(medianOf), agreement: kept / k, supportedClusters: supported.length };
  }
  if (runnerUp === undefined || top.length > runnerUp.length) {
    return { status: "accepted", actions: [medianOf(top)], agreement: top.length / k, supportedClusters: supported.length };
  }
  return { status: "review", actions: [], agreement: top.length / k, supportedClusters: supported.length };
}

/** Half the range of each action dimension (1 where unbounded), the unit of label distances. */
export function halfRanges(space: Space): number[] {
  if (space.type === "discrete") return [1];
  return space.low.map((lo, j) => {
    const half = ((space.high[j] as number) - lo) / 2;
    return Number.isFinite(half) && half > 0 && half < 1e6 ? half : 1;
  });
}

/**
 * Groups labels of one state that agree: discrete, equal actions; continuous, single-linkage clusters
 * at distance ≤ `tol` half-ranges. Returns index lists into `vecs`.
 */
export function clusterActions(vecs: readonly number[][], space: Space, tol: number): number[][] {
  if (space.type === "discrete") {
    const groups = new Map<number, number[]>();
    vecs.forEach((v, i) => groups.set(v[0] as number, [...(groups.get(v[0] as number) ?? []), i]));
    return [...groups.values()];
  }
  const scale = halfRanges(space);
  const d = scale.length;
  return singleLinkage(
    vecs as number[][],
    (a, b) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (((a[j] as number) - (b[j] as number)) / (scale[j] as number)) ** 2;
      return Math.sqrt(s);
    },
    tol,
  );
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Single-linkage clusters (index lists) of points closer than `tol`. */
function singleLinkage(points: number[][], dist: (a: number[], b: number[]) => number, tol: number): number[][] {
  const parent = points.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (dist(points[i] as number[], points[j] as number[]) <= tol) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, number[]>();
  points.forEach((_, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  return [...groups.values()];
}
