/**
 * The `reliability` aggregation rule over one round (the project setting `aggregation`): every labeller's
 * accuracy is estimated at once from the round's gold states and from agreement with the others
 * (Dawid–Skene one-coin EM, trainer/dagger/reliability.ts — the rule `npm run dagger -- --aggregation
 * reliability` and bench:efficacy D measure), and each state's labels are weighted by it. Mode-aware
 * for a multimodal head: several clusters may be kept, never averaged. "Can't tell" from at least half
 * the labellers still sends a state to review; a state whose best cluster is not believed (posterior
 * ≤ 0.5, or only people estimated below 0.6 gave it) goes to review too.
 */
import type { Action, Space } from "../../envs/index";
import { estimateReliability, type ReliabilityItem } from "../../trainer/dagger/reliability";
import { sameAction, spreadOf, type StateAggregate } from "./aggregate-state";

export interface RoundItem {
  labels: readonly { userId: string; action: number | number[] | null; cantTell: boolean }[];
  /** A gold task's answer: its labels feed the accuracy estimate; the item itself is not aggregated here. */
  gold: number | number[] | null;
}

export interface ReliabilityRuleOptions {
  space: Space;
  multimodal: boolean;
  tolerance: number;
}

/** One aggregate per item (gold items get a placeholder `review`: the caller uses the gold answer). */
export function aggregateRoundByReliability(items: readonly RoundItem[], opts: ReliabilityRuleOptions): { aggregates: StateAggregate[]; accuracy: Map<string, number> } {
  const personOf = new Map<string, number>();
  const person = (userId: string) => personOf.get(userId) ?? personOf.set(userId, personOf.size).size - 1;
  const multimodal = opts.multimodal && opts.space.type === "box";
  const reliabilityItems: ReliabilityItem[] = items.map((it) => ({
    labels: it.labels.map((l) => ({ person: person(l.userId), action: l.cantTell || l.action === null ? null : (l.action as Action) })),
    ...(it.gold === null ? {} : { gold: [it.gold as Action] }),
  }));
  const result = estimateReliability(reliabilityItems, { space: opts.space, multimodal, tolerance: opts.tolerance });
  const aggregates = items.map((it, i): StateAggregate => {
    const n = it.labels.length;
    const given = it.labels.filter((l) => !l.cantTell && l.action !== null).map((l) => l.action as number | number[]);
    if (it.gold !== null) return { status: "review", actions: [], agreement: 0, spread: null, reason: "gold" };
    if (n === 0) return { status: "review", actions: [], agreement: 0, spread: null, reason: "no labels" };
    if ((n - given.length) * 2 >= n) return { status: "review", actions: [], agreement: (n - given.length) / n, spread: null, reason: "can't tell" };
    const r = result.items[i];
    const actions = (r?.actions ?? []).map((a) => (typeof a === "number" ? a : Array.from(a)));
    const agreement = actions.length ? given.filter((g) => actions.some((a) => sameAction(opts.space, g, a, opts.tolerance))).length / n : 0;
    if (!r || r.status !== "accepted") return { status: "review", actions: [], agreement, spread: null, reason: "low reliability" };
    return { status: "accepted", actions, agreement, spread: spreadOf(given, actions, opts.space), reason: null };
  });
  const accuracy = new Map<string, number>();
  for (const [userId, j] of personOf) accuracy.set(userId, result.accuracy.get(j) ?? 0);
  return { aggregates, accuracy };
}
