/**
 * Requests to a worker thread answered in order, one reply per request, as the dataset export's Parquet
 * writer (server/datasets/export-dataset-lerobot.ts) and the import's row worker (server/datasets/import-rows.ts)
 * speak. Every reply is parsed (a malformed one fails the channel); a reply that `failureOf` maps to an Error,
 * the worker's own error or an exit before `close()` fails every request waiting and every later one with it.
 * The worker's first message is `ready`: {@link WorkerChannel.ready} settles with it.
 */
import type { Worker } from "node:worker_threads";

export interface WorkerChannel<Req, Reply> {
  /** The worker's first reply (it has started: modules loaded, files opened). */
  readonly ready: Promise<Reply>;
  /** Sends `req` (moving `transfer`'s buffers) and resolves with its reply; never an unhandled rejection while not awaited. */
  request(req: Req, transfer?: ArrayBuffer[]): Promise<Reply>;
  /** Ends the worker without waiting for the thread to exit; its exit is then no failure. */
  close(): void;
}

export function workerChannel<Req, Reply>(
  worker: Worker,
  name: string,
  parse: (raw: unknown) => { success: true; data: Reply } | { success: false; error: { message: string } },
  failureOf: (reply: Reply) => Error | null,
): WorkerChannel<Req, Reply> {
  const waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  let closed = false;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  const pending = (): Promise<Reply> => {
    const answer = new Promise<Reply>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
    });
    answer.catch(() => {}); // the caller awaits it later (or not: ready); never an unhandled rejection meanwhile
    return answer;
  };
  const ready = pending();
  worker.on("message", (raw: unknown) => {
    const parsed = parse(raw);
    if (!parsed.success) return fail(new Error(`${name} sent a malformed message: ${parsed.error.message}`));
    const failed = failureOf(parsed.data);
    if (failed) return fail(failed);
    waiting.shift()?.resolve(parsed.data);
  });
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (!closed) fail(new Error(`${name} exited with code ${code}`));
  });
  return {
    ready,
    request(req, transfer = []) {
      const answer = pending();
      if (!failure) worker.postMessage(req, transfer);
      return answer;
    },
    close() {
      closed = true;
      void worker.terminate().catch(() => {});
    },
  };
}
