/**
 * The row worker of a dataset import (import-rows-worker.ts, messages: contracts/import-rows-protocol.ts),
 * seen from the import: batches of rows as insert JSON, asked for one ahead — the worker decodes and validates
 * the next batch while this thread inserts the current one.
 */
import { Worker } from "node:worker_threads";
import { ZImportRowsReply, type ImportRowsOptions, type ImportRowsReply, type ImportRowsRequest } from "../../contracts/import-rows-protocol";
import { workerBundle } from "../worker-bundle";
import { badLine } from "./parse-dataset-file";

/** A batch of rows: `json` (UTF-8) as db/bulk-insert.ts `insertJsonRows` takes it. */
export interface RowBatch {
  count: number;
  json: Uint8Array;
}

/** What the worker found once every row was read: the content checksum of the rows, their sources and episodes. */
export interface RowsSummary {
  samples: number;
  episodes: number;
  checksum: string;
  bySource: Record<string, number>;
}

export interface ImportRows {
  /**
   * The next batch, of at most `rows` rows (the size the batch after it is asked for: sizes lag one batch), or
   * null once every row was read ({@link summary} is then set). A bad row rejects with its 422.
   */
  next(rows: number): Promise<RowBatch | null>;
  readonly summary: RowsSummary | null;
  /**
   * Ends the worker (after the import, either way) without waiting for the thread to exit: the import's answer
   * must not wait behind whatever the event loop runs meanwhile (the training job its publication queued).
   */
  close(): Promise<void>;
}

/**
 * The worker's heap: a small young generation makes it collect each batch's garbage promptly (as the export's
 * writer does: export-dataset-lerobot.ts).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** The worker's source, from the app's root; it runs bundled (server/worker-bundle.ts). */
const WORKER_ENTRY = "server/datasets/import-rows-worker.ts";

/** Starts the worker on `options` (`transfer`: buffers of it that move to the worker, such as a JSONL file's bytes). */
export async function startImportRows(options: ImportRowsOptions, transfer: ArrayBuffer[] = []): Promise<ImportRows> {
  const worker = new Worker(await workerBundle(WORKER_ENTRY), { workerData: options, transferList: transfer, execArgv: [], resourceLimits: WORKER_LIMITS });
  const waiting: Array<{ resolve: (r: ImportRowsReply) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  let closed = false;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  // The first reply is `ready` (the files opened, the modules loaded).
  const started = new Promise<void>((resolve, reject) => void waiting.push({ resolve: () => resolve(), reject }));
  worker.on("message", (raw: unknown) => {
    const parsed = ZImportRowsReply.safeParse(raw);
    if (!parsed.success) return fail(new Error(`the import's row worker sent a malformed message: ${parsed.error.message}`));
    const reply = parsed.data;
    if (reply.type === "bad") return fail(badLine(reply.where, reply.problem));
    if (reply.type === "error") return fail(new Error(`the import's row worker failed: ${reply.message}`));
    waiting.shift()?.resolve(reply);
  });
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (!closed) fail(new Error(`the import's row worker exited with code ${code}`));
  });
  const close = async () => {
    closed = true;
    void worker.terminate().catch(() => {});
  };
  try {
    await started;
  } catch (err) {
    await close();
    throw err;
  }

  const request = (req: ImportRowsRequest): Promise<ImportRowsReply> => {
    const answer = new Promise<ImportRowsReply>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
      worker.postMessage(req);
    });
    answer.catch(() => {}); // awaited by the next next(); never an unhandled rejection meanwhile
    return answer;
  };
  let ahead: Promise<ImportRowsReply> | null = null;
  let summary: RowsSummary | null = null;
  return {
    async next(rows) {
      if (summary) return null;
      const reply = await (ahead ?? request({ type: "next", rows }));
      if (reply.type === "end") {
        ahead = null;
        summary = { samples: reply.samples, episodes: reply.episodes, checksum: reply.checksum, bySource: reply.bySource };
        return null;
      }
      if (reply.type !== "rows") throw new Error(`the import's row worker answered ${reply.type} to next`);
      ahead = request({ type: "next", rows });
      return { count: reply.count, json: reply.json };
    },
    get summary() {
      return summary;
    },
    close,
  };
}
