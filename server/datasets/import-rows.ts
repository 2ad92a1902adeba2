/**
 * The row worker of a dataset import (import-rows-worker.ts, messages: contracts/import-rows-protocol.ts),
 * seen from the import: batches of rows as insert JSON, asked for one ahead — the worker decodes and validates
 * the next batch while this thread inserts the current one.
 */
import { Worker } from "node:worker_threads";
import { ZImportRowsReply, type ImportRowsOptions, type ImportRowsReply, type ImportRowsRequest } from "../../contracts/import-rows-protocol";
import { workerBundle } from "../worker-bundle";
import { workerChannel } from "../worker-channel";
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
  const channel = workerChannel<ImportRowsRequest, ImportRowsReply>(
    worker,
    "the import's row worker",
    (raw) => ZImportRowsReply.safeParse(raw),
    (reply) => (reply.type === "bad" ? badLine(reply.where, reply.problem) : reply.type === "error" ? new Error(`the import's row worker failed: ${reply.message}`) : null),
  );
  const close = async () => channel.close();
  try {
    await channel.ready; // the files opened, the modules loaded
  } catch (err) {
    await close();
    throw err;
  }
  const request = (req: ImportRowsRequest) => channel.request(req);
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
