/**
 * Returns and advantages for policy-gradient fine-tuning (plain arrays; browser-safe).
 *
 * Per episode i with rewards r_0 … r_{T−1}: reward-to-go G_t = Σ_{t' ≥ t} γ^{t'−t}·r_{t'}.
 * Advantage A_t = G_t − b_t with the baseline b_t:
 *   - `none`: 0;
 *   - `mean`: the mean reward-to-go at the same time step t over the batch's episodes that reached t
 *     (a time-indexed mean: in CartPole G_t depends mostly on t);
 *   - `value`: a learned V(s_t), given by the caller.
 */

/** `G_t` for one episode. */
export function rewardToGo(rewards: ArrayLike<number>, gamma: number): Float64Array {
  const g = new Float64Array(rewards.length);
  let acc = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    acc = (rewards[t] as number) + gamma * acc;
    g[t] = acc;
  }
  return g;
}

/** The `mean` baseline: `b_t` = mean of G_t over the episodes with a step t. */
export function timeMeanBaseline(returnsToGo: readonly Float64Array[]): Float64Array[] {
  const maxLen = Math.max(0, ...returnsToGo.map((g) => g.length));
  const sum = new Float64Array(maxLen);
  const count = new Float64Array(maxLen);
  for (const g of returnsToGo) {
    for (let t = 0; t < g.length; t++) {
      sum[t] = (sum[t] as number) + (g[t] as number);
      count[t] = (count[t] as number) + 1;
    }
  }
  return returnsToGo.map((g) => Float64Array.from(g, (_, t) => (sum[t] as number) / (count[t] as number)));
}

/** Standardises in place to mean 0, std 1 (left as is when the std is ~0). */
export function standardize(xs: Float64Array): Float64Array {
  if (xs.length === 0) return xs;
  let m = 0;
  for (const x of xs) m += x / xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2 / xs.length;
  const sd = Math.sqrt(v);
  for (let i = 0; i < xs.length; i++) xs[i] = sd > 1e-8 ? ((xs[i] as number) - m) / sd : (xs[i] as number) - m;
  return xs;
}
