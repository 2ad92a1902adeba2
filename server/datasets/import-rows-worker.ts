/**
 * Worker thread of a dataset import (import-rows.ts): reads a JSONL file (parse-dataset-file.ts `jsonlPages`)
 * or a `.tar`'s spooled Parquet data files (parse-lerobot-tar.ts `dataFilePages`) page by page, each row
 * validated against the project's spaces as it is read, and answers each `next` with up to the asked number of
 * rows as the insert's JSON (UTF-8 bytes), keeping the content checksum, the counts by source and the episodes
 * for `end`. Messages: contracts/import-rows-protocol.ts.
 *
 * Why a thread: decoding, validating and hashing 100k samples allocate ~1 GB of short-lived objects. In the
 * server's thread they were promoted into its ~200 MiB old generation and collected late, which grew the
 * process by up to 117 MiB for a `.tar` and 142 MiB for JSONL (bench:export); here they die in a small heap of
 * their own, and the server's thread only passes each batch's bytes to the database.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ImportRowsOptions, ImportRowsReply, ImportRowsRequest } from "../../contracts/import-rows-protocol";
import { AppError } from "../errors";
import { jsonlPages, type JsonlCounts } from "./parse-dataset-file";
import { dataFilePages, ROW_PAGE } from "./parse-lerobot-tar";
import { addToChecksum, countBySource, EMPTY_CHECKSUM } from "./version-content";
import type { DatasetSampleInput } from "./write-version";

const port = parentPort;
if (!port) throw new Error("import-rows-worker must run in a worker thread");
const reply = (message: ImportRowsReply) => port.postMessage(message, message.type === "rows" ? [message.json.buffer as ArrayBuffer] : []);
const encoder = new TextEncoder();

const options = workerData as ImportRowsOptions;
/** A JSONL file's episodes are `(version, episode_index)` pairs (`jsonlPages` counts them); a `.tar`'s are `episode_index`. */
const jsonl: JsonlCounts = { samples: 0, episodes: 0 };
const tarEpisodes = new Set<number>();

/** A JSONL file's text, decoded a block at a time as its lines are read; each block is let go once decoded. */
function* decoded(blocks: Array<Uint8Array | undefined>): Generator<string> {
  const decoder = new TextDecoder();
  for (let k = 0; k < blocks.length; k++) {
    const block = blocks[k] as Uint8Array;
    blocks[k] = undefined;
    yield decoder.decode(block, { stream: true });
  }
  yield decoder.decode();
}

const pages = options.format === "jsonl" ? jsonlPages(decoded(options.blocks), options.spaces, jsonl, ROW_PAGE) : dataFilePages(options.files, options.spaces, tarEpisodes);
const episodes = () => (options.format === "jsonl" ? jsonl.episodes : tarEpisodes.size);
let page: DatasetSampleInput[] = [];
let at = 0;
let checksum = EMPTY_CHECKSUM;
let bySource: Record<string, number> = {};
let samples = 0;

/** Up to `rows` samples (fewer where a page ends: a batch never waits for the next page to be decoded). */
async function take(rows: number): Promise<DatasetSampleInput[]> {
  while (at >= page.length) {
    page = [];
    const next = await pages.next();
    if (next.done) return [];
    page = next.value;
    at = 0;
  }
  const batch = page.slice(at, at + rows);
  at += batch.length;
  return batch;
}

async function answer(req: ImportRowsRequest): Promise<ImportRowsReply> {
  const batch = await take(Math.max(1, req.rows));
  if (batch.length === 0) return { type: "end", samples, episodes: episodes(), checksum, bySource };
  checksum = addToChecksum(checksum, batch);
  bySource = countBySource({ bySource }, batch);
  samples += batch.length;
  const json = encoder.encode(JSON.stringify(batch.map((s) => ({ observation: s.observation, action: s.action, source: s.source, episode: s.episode, frame_index: s.frameIndex }))));
  return { type: "rows", count: batch.length, json };
}

function failure(err: unknown): ImportRowsReply {
  const fields = err instanceof AppError && err.code === "UNPROCESSABLE" ? Object.entries(err.details?.fieldErrors ?? {}) : [];
  const [where, problems] = fields[0] ?? [];
  if (where !== undefined && problems?.[0] !== undefined) return { type: "bad", where, problem: problems[0] };
  return { type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

// Requests are answered one at a time, in order (the parent has at most one outstanding anyway).
let queue = Promise.resolve();
port.on("message", (req: ImportRowsRequest) => {
  queue = queue.then(() => answer(req).then(reply, (err: unknown) => reply(failure(err))));
});
reply({ type: "ready" });
