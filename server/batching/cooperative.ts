/**
 * Long work that shares the event loop and the database with every other request.
 *
 * Why: a 23 MB dataset import on the embedded database froze every other request for 4.25 s. PGlite runs in
 * this thread (WASM) behind ONE pool connection, so a single big statement — or a long transaction holding
 * that connection — stops everything: other queries wait for the connection, timers and sockets for the
 * thread. The fix is to cut the work into slices of a few tens of milliseconds and to give way between them:
 *
 * - `createYielder(sliceMs)`: a CPU loop calls `await maybeYield()` often; it returns at once until `sliceMs`
 *   (10 ms) has passed since the last yield, then waits one `setImmediate` turn, so timers, I/O and other requests
 *   (whose queries then take the connection) run in between.
 * - `inBatches(items, fn, opts)`: runs `fn` on consecutive batches, each its own short statement or
 *   transaction, yielding between batches. The batch size adapts so that one batch takes about `targetMs` (10)
 *   (measured), between `minSize` and `maxSize` items: small on PGlite under load, large on PostgreSQL.
 *
 * All-or-nothing is the caller's job (batches commit one by one): write into a state nobody reads yet and
 * make it visible in one short final transaction, deleting what was written if anything fails (see
 * server/rounds/import-dataset.ts). Used by the dataset import; meant for any bulk write (Parquet import).
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createYielder(sliceMs = 10): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < sliceMs) return undefined;
    return yieldToEventLoop().then(() => {
      last = performance.now();
    });
  };
}

export interface BatchOptions {
  /** Aim for batches that take about this long (ms). */
  targetMs?: number;
  initialSize?: number;
  minSize?: number;
  maxSize?: number;
}

export async function inBatches<T>(items: readonly T[], fn: (batch: T[], offset: number) => Promise<void>, opts: BatchOptions = {}): Promise<void> {
  const targetMs = opts.targetMs ?? 10;
  const minSize = opts.minSize ?? 50;
  const maxSize = opts.maxSize ?? 5000;
  let size = Math.min(maxSize, Math.max(minSize, opts.initialSize ?? 250));
  for (let offset = 0; offset < items.length; ) {
    const batch = items.slice(offset, offset + size);
    const started = performance.now();
    await fn(batch, offset);
    const tookMs = Math.max(0.1, performance.now() - started);
    offset += batch.length;
    // Move halfway towards the size that would have taken `targetMs` (damped: timings are noisy under load).
    const ideal = (batch.length * targetMs) / tookMs;
    size = Math.round(Math.min(maxSize, Math.max(minSize, (size + ideal) / 2)));
    await yieldToEventLoop();
  }
}
