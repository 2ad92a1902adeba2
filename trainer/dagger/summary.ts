/**
 * Summaries over seeds: mean and a 95 % confidence interval (Student t, n − 1 degrees of freedom) —
 * what the efficacy benchmark and `npm run dagger --seeds` report per round.
 *
 * Browser-safe.
 */

/** Two-sided 97.5 % quantiles of Student's t for 1…30 degrees of freedom (then the normal 1.96). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export interface MeanCi {
  readonly n: number;
  readonly mean: number;
  /** Half-width of the 95 % interval (0 for a single value: no interval). */
  readonly ci95: number;
}

export function meanCi95(values: readonly number[]): MeanCi {
  const n = values.length;
  if (n === 0) return { n: 0, mean: Number.NaN, ci95: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, ci95: 0 };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const t = T975[n - 2] ?? 1.96;
  return { n, mean, ci95: (t * sd) / Math.sqrt(n) };
}
