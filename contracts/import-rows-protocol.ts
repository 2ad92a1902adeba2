/**
 * Messages between a dataset import (server/datasets/import-rows.ts) and its row worker
 * (server/datasets/import-rows-worker.ts), which reads the file — a JSONL file, or a LeRobot `.tar`'s spooled
 * Parquet files —, validates each row and sends the rows back as the insert's JSON (UTF-8 bytes), so that the
 * parsing, validation and hashing garbage of a 100k-sample import lands in the worker's small heap instead of
 * the server's (bench:export, RSS growth).
 *
 * Start: `workerData` is an {@link ImportRowsOptions}. Parent → worker: `next` (up to `rows` more rows).
 * Worker → parent: `ready` once the files are open; per `next` either `rows` (1 to `rows` rows as
 * `dataset_samples` insert JSON in UTF-8 bytes, their buffer moved, not copied:
 * `[{"observation":[…],"action":…,"source":"…","episode":0,"frame_index":0},…]`, db/bulk-insert.ts
 * `insertJsonRows`) or `end` (no rows left: the samples' content checksum, counts by source and
 * episodes); `bad` (a row the project cannot take: the 422 to answer, naming the file and row) or `error`
 * (anything else) end the exchange. The parent parses every reply with {@link ZImportRowsReply}.
 */
import { z } from "zod";
import type { TSpace } from "./spaces";

/** One spooled data file: its path in the archive (what errors name) and where it lies on disk. */
export interface ImportRowsFile {
  path: string;
  file: string;
  size: number;
}

/**
 * The worker's `workerData`: the project's spaces, and the file — a JSONL file's bytes in blocks (each on an
 * ArrayBuffer of its own, moved to the worker, not copied: the `transferList`; the worker decodes one block at a
 * time and lets each go once decoded), or a `.tar`'s data files in import order.
 */
export type ImportRowsOptions = { spaces: { observationSpace: TSpace; actionSpace: TSpace } } & ({ format: "jsonl"; blocks: Uint8Array[] } | { format: "lerobot"; files: ImportRowsFile[] });

export type ImportRowsRequest = { type: "next"; rows: number };

/**
 * The `dataset_samples` columns the rows' JSON carries (drizzle's keys; the JSON names them as the database does,
 * `frame_index`); the project and the version are the insert's own, the state id is null.
 */
export const IMPORT_ROW_KEYS = ["observation", "action", "source", "episode", "frameIndex"] as const;

export const ZImportRowsReply = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("rows"), count: z.number().int().positive(), json: z.instanceof(Uint8Array) }),
  z.object({ type: z.literal("end"), samples: z.number().int().nonnegative(), episodes: z.number().int().nonnegative(), checksum: z.string().regex(/^[0-9a-f]{64}$/), bySource: z.record(z.string(), z.number().int().nonnegative()) }),
  z.object({ type: z.literal("bad"), where: z.string(), problem: z.string() }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type ImportRowsReply = z.output<typeof ZImportRowsReply>;
