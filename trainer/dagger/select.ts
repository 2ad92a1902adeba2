/**
 * Which visited states to send for labelling when the budget is smaller than what was visited.
 *
 * - `uniform`: a uniform random sample without replacement.
 * - `uncertainty`: the states the policy is least sure about (ensemble disagreement, see
 *   policy/policy.ts), greedily, skipping states within `minGap` steps of an already chosen state of
 *   the same trajectory (neighbouring steps are near-duplicates); topped up by uncertainty if the gap
 *   rule leaves too few.
 *
 * Browser-safe.
 */
import { permutation, type Rng } from "../random";

export type SelectionStrategy = "uniform" | "uncertainty";

export interface SelectionCandidate {
  readonly trajectory: number;
  readonly t: number;
  readonly uncertainty: number;
}

/** Indices into `candidates` of at most `count` states to label. */
export function selectStates(
  candidates: readonly SelectionCandidate[],
  count: number,
  strategy: SelectionStrategy,
  rng: Rng,
  options: { minGap?: number } = {},
): number[] {
  if (count >= candidates.length) return candidates.map((_, i) => i);
  if (strategy === "uniform") return Array.from(permutation(candidates.length, rng).subarray(0, count));
  const minGap = options.minGap ?? 2;
  // Sort by uncertainty, ties broken randomly.
  const order = Array.from(permutation(candidates.length, rng)).sort(
    (a, b) => (candidates[b] as SelectionCandidate).uncertainty - (candidates[a] as SelectionCandidate).uncertainty,
  );
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
