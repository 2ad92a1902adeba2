/**
 * Child process of tests/unit/heap-growth.test.ts (run with --expose-gc): `HEAP_GROWING_PERCENT` = argv[2];
 * holds ~120 MiB live, then — inside `withTightHeap`, like an import — allocates pages of small objects that stay referenced for 40 more pages (so they
 * survive scavenges and are promoted, like an import's pages held across database round trips) and prints the
 * most the heap held on top of the live data, as JSON.
 */
import { configureHeapGrowth, withTightHeap } from "../../server/heap-growth";

configureHeapGrowth(Number(process.argv[2]));
const MIB = 1 << 20;
const live: Array<{ a: number; b: number[]; c: string }> = [];
for (let i = 0; i < 800_000; i++) live.push({ a: i, b: [i, i + 1, i + 2], c: `x${i % 1000}` });
(globalThis as { gc?: () => void }).gc?.(); // with --expose-gc: the live heap alone
await new Promise((r) => setTimeout(r, 50));
const base = process.memoryUsage().heapUsed;
let maxUsed = base;
await withTightHeap(async () => {
  const ring: unknown[][] = [];
  for (let round = 0; round < 600; round++) {
    const page: unknown[] = [];
    for (let i = 0; i < 5000; i++) page.push({ obs: [Math.random(), Math.random(), Math.random(), Math.random()], s: `sample${i}` });
    ring.push(page);
    if (ring.length > 40) ring.shift();
    if (round % 4 === 0) await new Promise((r) => setImmediate(r));
    maxUsed = Math.max(maxUsed, process.memoryUsage().heapUsed);
  }
});
console.log(JSON.stringify({ liveMiB: base / MIB, garbageMiB: (maxUsed - base) / MIB, held: live.length }));
