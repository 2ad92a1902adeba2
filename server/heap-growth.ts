/**
 * How far V8 lets the server's heap grow past what survived the last full garbage collection before it
 * collects again: `HEAP_GROWING_PERCENT` (default 20, i.e. a factor of 1.2; 0 keeps V8's own heuristic).
 *
 * Why: the server's live heap is ~200 MiB (Next.js and the app), and V8's default factor — up to 4× for a
 * heap that its GC finds cheap to collect — let a 100k-sample import or export leave 100–150 MiB of garbage
 * in the old generation before the next full collection: the process's RSS grew by up to 136 MiB while the
 * live heap grew by less than 10 MiB (bench:export, "memory at the window's peak": heapUsed 190 → 338 MiB).
 * At 1.2 the same operations grow the RSS by at most ~47 MiB. The cost is more frequent full collections
 * (marked concurrently and incrementally): in one bench:export run alternating the settings on PostgreSQL
 * (2026-12-06, 2 runs each), the median Parquet export went 74.4k → 69.8k samples/s and the `.tar` import
 * 29.3k → 23.9k; 50 % cost about half that but let the RSS grow by 58 MiB there, and by 1.4× the live heap
 * in tests/unit/heap-growth.test.ts's allocation-heavy child (20 %: ~1×; V8's own: ~3×).
 *
 * V8 reads the flag whenever it sets the next collection's limit, so setting it at start-up (before the app
 * loads) takes effect for the whole run; it cannot go in NODE_OPTIONS (not a flag Node lets through there).
 */
import v8 from "node:v8";

export const DEFAULT_HEAP_GROWING_PERCENT = 20;

export function applyHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
