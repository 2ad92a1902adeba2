/**
 * Opt-in: how far V8 lets the server's heap grow past what survived the last full garbage collection before it
 * collects again, **while a dataset import or a LeRobot export runs**: `HEAP_GROWING_PERCENT` (e.g. 20, a
 * factor of 1.2; the default 0 leaves V8's own heuristic on throughout). Outside those operations V8's own
 * applies.
 *
 * Why: the server's live heap is ~200 MiB (Next.js and the app), and V8's own factor — up to 4× for a heap
 * that its GC finds cheap to collect — let a 100k-sample import leave 100–150 MiB of promoted garbage in the
 * old generation before the next full collection: the process's RSS grew by up to 136 MiB while the import's
 * live objects grew by less than 10 MiB (bench:export, "memory at the window's peak": heapUsed 190 → 338 MiB).
 *
 * Why only during them: a tight heap means more full collections, each marking the whole ~200 MiB. Applied to
 * the whole server it cost the labelling API its latency: bench:api's paced label p99 went from 17–24 ms to
 * 52–75 ms at 20 % and 21–54 ms at 50 % (PostgreSQL, server pinned to one core), against a 25 ms goal.
 *
 * How: V8 reads the flag when it sets the next collection's limit, i.e. at the end of a full collection — so
 * setting it alone changed nothing until the limit V8's own factor had set was reached. The first operation
 * therefore also starts a full collection, incremental and concurrent (`gc({type: "major", execution:
 * "async"})`, V8's GC extension, exposed at run time: not a stop-the-world collection of the whole heap),
 * after which the tight limit holds. Operations nest and overlap: the flag is set by the first and cleared by
 * the last. The state lives on `globalThis`: Next.js bundles the route handlers with their own copy of this
 * module.
 *
 * Why it is off by default: that first collection's final pause is felt by every other request. Measured
 * (bench:export, 2026-12-06, 2 runs each): with 20 the worst RSS growth of any import or export was 39 MiB
 * (V8's own: 103 MiB, a `.tar` import on PostgreSQL), but the longest event-loop stall rose to 60–75 ms on
 * PostgreSQL and 166 ms once on PGlite (a JSONL import), against ≤ 41 ms / 71 ms without. A deployment short
 * of memory can take that trade; the default keeps requests fast.
 *
 * And a cost that stays (measured 2026-12-06, bench:export, PGlite): exposing `gc` sets V8's `--expose-gc`
 * for the whole process, and with it set — at run time or at start-up alike — a 100k `.tar` import on PGlite
 * ran at 21–25k samples/s instead of 35k (the server's CPU 6.0–7.1 s instead of 3.8–4.0 s), PostgreSQL's at
 * ~40k instead of ~50k; the flag is not cleared once set. Imports now read their rows in a worker thread
 * (server/datasets/import-rows.ts), which took most of their garbage out of this heap: the setting matters less
 * than it did, and the worker gets no such collections for the same reason.
 */
import v8 from "node:v8";
import vm from "node:vm";

export const DEFAULT_HEAP_GROWING_PERCENT = 0;

type Gc = (options: { type: "major"; execution: "async" }) => Promise<void>;
interface HeapState {
  percent: number;
  active: number;
  gc?: Gc | null;
}
const KEY = Symbol.for("corrective.heap-growth");

function state(): HeapState {
  const g = globalThis as unknown as Record<symbol, HeapState | undefined>;
  return (g[KEY] ??= { percent: DEFAULT_HEAP_GROWING_PERCENT, active: 0 });
}

/** The server's setting (config.heapGrowingPercent), at start-up. */
export function configureHeapGrowth(percent: number): void {
  state().percent = percent;
}

/** V8's `gc` function (exposing it at run time gives new contexts one), or null where that fails. */
function majorGc(s: HeapState): Gc | null {
  if (s.gc === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      const gc = vm.runInNewContext("gc") as unknown;
      s.gc = typeof gc === "function" ? (gc as Gc) : null;
    } catch {
      s.gc = null;
    }
  }
  return s.gc;
}

/** Runs `fn` with the heap kept tight (see above); V8's own growth again once no such operation runs. */
export async function withTightHeap<T>(fn: () => Promise<T>): Promise<T> {
  const s = state();
  if (s.percent <= 0) return fn();
  if (s.active++ === 0) {
    v8.setFlagsFromString(`--heap-growing-percent=${s.percent}`);
    void majorGc(s)?.({ type: "major", execution: "async" })?.catch(() => {});
  }
  try {
    return await fn();
  } finally {
    if (--s.active === 0) v8.setFlagsFromString("--heap-growing-percent=0");
  }
}

/** How many operations hold the heap tight now (tests). */
export function tightHeapOperations(): number {
  return state().active;
}
