/**
 * Worker thread of a LeRobot `.tar` import (import-rows.ts): reads the spooled Parquet data files page by page
 * (parse-lerobot-tar.ts `parquetSamplePages`, which validates each row against the project's spaces), and answers
 * each `next` with up to the asked number of rows as the insert's JSON text, keeping the content checksum, the
 * counts by source and the episodes for `end`. Messages: contracts/import-rows-protocol.ts.
 *
 * Why a thread: decoding, validating and hashing 100k samples allocate ~1 GB of short-lived objects. In the
 * server's thread they were promoted into its ~200 MiB old generation and collected late, which grew the
 * process by up to 117 MiB (bench:export); here they die in a small heap of their own, and the server's thread
 * only passes one string per batch to the database.
 */
import { parentPort, workerData } from "node:worker_threads";
import { parquetMetadataAsync } from "hyparquet";
import type { ImportRowsOptions, ImportRowsReply, ImportRowsRequest } from "../../contracts/import-rows-protocol";
import { AppError } from "../errors";
import { fileBuffer, parquetSamplePages } from "./parse-lerobot-tar";
import { addToChecksum, countBySource, EMPTY_CHECKSUM } from "./version-content";
import type { DatasetSampleInput } from "./write-version";

const port = parentPort;
if (!port) throw new Error("import-rows-worker must run in a worker thread");
const reply = (message: ImportRowsReply) => port.postMessage(message);

const { files, spaces } = workerData as ImportRowsOptions;

async function* samplePages(): AsyncGenerator<DatasetSampleInput[]> {
  for (const { path, file, size } of files) {
    const buffer = await fileBuffer(file, size);
    try {
      yield* parquetSamplePages(path, buffer, await parquetMetadataAsync(buffer), spaces);
    } finally {
      await buffer.close();
    }
  }
}

const pages = samplePages();
let page: DatasetSampleInput[] = [];
let at = 0;
let checksum = EMPTY_CHECKSUM;
let bySource: Record<string, number> = {};
let samples = 0;
const episodes = new Set<number>();

/** Up to `rows` samples (fewer where a page ends: a batch never waits for the next page to be decoded). */
async function take(rows: number): Promise<DatasetSampleInput[]> {
  while (at >= page.length) {
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
  if (batch.length === 0) return { type: "end", samples, episodes: episodes.size, checksum, bySource };
  checksum = addToChecksum(checksum, batch);
  bySource = countBySource({ bySource }, batch);
  samples += batch.length;
  for (const s of batch) episodes.add(s.episode);
  const json = JSON.stringify(batch.map((s) => ({ observation: s.observation, action: s.action, source: s.source, episode: s.episode, frame_index: s.frameIndex })));
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
