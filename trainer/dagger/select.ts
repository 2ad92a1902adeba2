/**
 * Which visited states to send for labelling when the budget is smaller than what was visited.
 *
 * - `uniform`: a uniform random sample without replacement.
 * - `uncertainty`: the states the policy is least sure about (ensemble disagreement, see
 *   policy/policy.ts), greedily, skipping states within `minGap` steps of an already chosen state of
 *   the same trajectory (neighbouring steps are near-duplicates); topped up by uncertainty if the gap
 *   rule leaves too few.
 * - `thrifty`: a novelty/risk gate in the spirit of ThriftyDAgger (Hoque et al. 2021): a state is sent
 *   to a person when it is novel (ensemble disagreement in the top `noveltyQuantile` of the pool) or
 *   risky (it lies within the last steps before a failure of its rollout — the headless stand-in for
 *   Thrifty's learned risk Q-function); risky states first, then by novelty, the same gap rule as
 *   `uncertainty`; the budget is topped up by uncertainty when the gate lets fewer states through.
 *
 * Browser-safe.
 */
import { permutation, type Rng } from "../random";

export type SelectionStrategy = "uniform" | "uncertainty" | "thrifty";

export interface SelectionCandidate {
  readonly trajectory: number;
  readonly t: number;
  readonly uncertainty: number;
  /** 1 where the state precedes a failure of its rollout closely (thrifty's risk), else 0 / absent. */
  readonly risk?: number;
}

/** Indices into `candidates` of at most `count` states to label. */
export function selectStates(
  candidates: readonly SelectionCandidate[],
  count: number,
  strategy: SelectionStrategy,
  rng: Rng,
  options: { minGap?: number; noveltyQuantile?: number } = {},
): number[] {
  if (count >= candidates.length) return candidates.map((_, i) => i);
  if (strategy === "uniform") return Array.from(permutation(candidates.length, rng).subarray(0, count));
  const minGap = options.minGap ?? 2;
  // Sort by uncertainty, ties broken randomly; thrifty puts gated (risky, then novel) states first.
  const gate = strategy === "thrifty" ? thriftyGate(candidates, options.noveltyQuantile ?? 0.8) : null;
  const order = Array.from(permutation(candidates.length, rng)).sort((a, b) => {
    if (gate !== null && gate[a] !== gate[b]) return (gate[b] as number) - (gate[a] as number);
    return (candidates[b] as SelectionCandidate).uncertainty - (candidates[a] as SelectionCandidate).uncertainty;
  });
  const chosen: number[] = [];
  const taken = new Map<number, number[]>();
  const skipped: number[] = [];
  for (const i of order) {
    if (chosen.length >= count) break;
    const c = candidates[i] as SelectionCandidate;
    const near = (taken.get(c.trajectory) ?? []).some((t) => Math.abs(t - c.t) < minGap);
    if (near) {
      skipped.push(i);
      continue;
    }
    chosen.push(i);
    taken.set(c.trajectory, [...(taken.get(c.trajectory) ?? []), c.t]);
  }
  for (const i of skipped) {
    if (chosen.length >= count) break;
    chosen.push(i);
  }
  return chosen;
}

/** Thrifty's gate per candidate: 2 = risky, 1 = novel (uncertainty ≥ the pool's quantile), 0 = neither. */
function thriftyGate(candidates: readonly SelectionCandidate[], quantile: number): number[] {
  const sorted = candidates.map((c) => c.uncertainty).sort((a, b) => a - b);
  const threshold = sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? Infinity;
  return candidates.map((c) => ((c.risk ?? 0) > 0 ? 2 : c.uncertainty >= threshold && c.uncertainty > 0 ? 1 : 0));
}
