/**
 * The quality rules for one state's labels (pure; see docs/ARCHITECTURE.md, "Aggregation").
 *
 * - "can't tell" from at least half the labellers → review;
 * - discrete: majority, agreement = majority share of all labels;
 * - continuous: mode-aware — labels are clustered first (trainer/dagger/labels.ts `consensus`), one
 *   dominant cluster gives its median; several well-supported clusters are kept as separate samples for a
 *   multimodal head, or sent to review for a unimodal one. Never averaged across modes.
 * - agreement below `minAgreement` → review.
 *
 * The project's `aggregation` setting picks the rule: `mode-aware` (above, the default), `majority`
 * (discrete plurality / per-dimension median of every label, no clustering; agreement = share of labels
 * within the tolerance of it) or `reliability` (a whole round at once: reliability-rule.ts).
 */
import type { Space } from "../../envs/index";
import { consensus, median } from "../../trainer/dagger/labels";

export interface LabelInput {
  action: number | number[] | null;
  cantTell: boolean;
}

export interface StateAggregate {
  status: "accepted" | "review";
  actions: (number | number[])[];
  agreement: number;
  spread: number | null;
  reason: string | null;
}

export interface AggregateOptions {
  space: Space;
  multimodal: boolean;
  tolerance: number;
  minAgreement: number;
  /** Default `mode-aware`; `reliability` is per round (reliability-rule.ts), not per state. */
  rule?: "mode-aware" | "majority";
}

export function aggregateState(labels: readonly LabelInput[], opts: AggregateOptions): StateAggregate {
  const n = labels.length;
  const given = labels.filter((l) => !l.cantTell && l.action !== null).map((l) => l.action as number | number[]);
  const cantTell = n - given.length;
  if (n === 0) return { status: "review", actions: [], agreement: 0, spread: null, reason: "no labels" };
  if (cantTell * 2 >= n) return { status: "review", actions: [], agreement: cantTell / n, spread: null, reason: "can't tell" };
  if (opts.rule === "majority") return majorityOf(given, n, opts);
  const multimodal = opts.multimodal && opts.space.type === "box";
  const c = consensus(given, { space: opts.space, multimodal, tolerance: opts.tolerance });
  const agreement = (c.agreement * given.length) / n;
  const actions = c.actions.map((a) => (typeof a === "number" ? a : Array.from(a)));
  if (c.status !== "accepted") {
    return { status: "review", actions: [], agreement, spread: null, reason: c.supportedClusters > 1 ? "several modes (unimodal head)" : "no agreement" };
  }
  if (agreement < opts.minAgreement) return { status: "review", actions: [], agreement, spread: null, reason: "low agreement" };
  return { status: "accepted", actions, agreement, spread: spreadOf(given, actions, opts.space), reason: null };
}

/** The plain rule: plurality (discrete) or per-dimension median (box) of every given label. */
function majorityOf(given: (number | number[])[], n: number, opts: AggregateOptions): StateAggregate {
  let action: number | number[];
  if (opts.space.type === "discrete") {
    const counts = new Map<number, number>();
    for (const g of given) counts.set(g as number, (counts.get(g as number) ?? 0) + 1);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const [top, second] = sorted as [[number, number], [number, number] | undefined];
    if (second !== undefined && second[1] === top[1]) return { status: "review", actions: [], agreement: top[1] / n, spread: null, reason: "no agreement" };
    action = top[0];
  } else {
    const vecs = given.map((g) => (typeof g === "number" ? [g] : g));
    action = Array.from({ length: opts.space.shape[0] }, (_, j) => median(vecs.map((v) => v[j] ?? 0)));
  }
  const agreement = given.filter((g) => sameAction(opts.space, g, action, opts.tolerance)).length / n;
  if (agreement < opts.minAgreement) return { status: "review", actions: [], agreement, spread: null, reason: "low agreement" };
  return { status: "accepted", actions: [action], agreement, spread: spreadOf(given, [action], opts.space), reason: null };
}

/** Largest distance (in action units) from an accepted action to the labels nearest it. */
export function spreadOf(given: (number | number[])[], accepted: (number | number[])[], space: Space): number | null {
  if (space.type !== "box") return null;
  let worst = 0;
  for (const g of given) {
    const v = typeof g === "number" ? [g] : g;
    const d = Math.min(...accepted.map((a) => distance(v, typeof a === "number" ? [a] : a)));
    if (Number.isFinite(d)) worst = Math.max(worst, d);
  }
  return worst;
}

const distance = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b[i] ?? 0)) ** 2, 0));

/** Whether a label matches a reference action: equal (discrete) or within `tolerance` half-ranges (box). */
export function sameAction(space: Space, label: number | number[], reference: number | number[], tolerance: number): boolean {
  if (space.type === "discrete") return label === reference;
  const l = typeof label === "number" ? [label] : label;
  const r = typeof reference === "number" ? [reference] : reference;
  let s = 0;
  for (let j = 0; j < space.shape[0]; j++) {
    const half = ((space.high[j] ?? 1) - (space.low[j] ?? -1)) / 2;
    const scale = Number.isFinite(half) && half > 0 && half < 1e6 ? half : 1;
    s += (((l[j] ?? 0) - (r[j] ?? 0)) / scale) ** 2;
  }
  return Math.sqrt(s) <= tolerance;
}
