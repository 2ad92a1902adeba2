/**
 * Messages between the LeRobot export (server/datasets/export-dataset-lerobot.ts) and its Parquet writer
 * worker (server/datasets/lerobot-writer-worker.mjs, plain JavaScript: it runs without a TypeScript loader, so
 * it types these with JSDoc `import()`s and cannot load the schema).
 *
 * Start: `workerData` is a {@link DataWriterOptions}. Parent → worker: `page` (one {@link SamplePage}, a
 * Parquet row group), then `finish`. Worker → parent: `ready` once the files are open, `ack` per page written,
 * `done` with the summary after `finish`, or `error` (the export then ends the worker). The parent parses every
 * reply with {@link ZWriterReply}; pages are not parsed (they are the export's own columns, megabytes each).
 */
import type { SchemaElement } from "hyparquet";
import { z } from "zod";

/** LeRobot's feature dtypes (`meta/info.json`), as exports write them. */
export type LeRobotDtype = "float32" | "float64" | "int64" | "string" | "image";

/** One entry of `meta/info.json`'s `features`. */
export interface LeRobotFeature {
  dtype: LeRobotDtype;
  shape: number[];
  names: string[] | null;
}

/**
 * One page of samples (what crosses to the worker thread: a string and, with images, their bytes).
 * `rows`: one line per sample, `\n`-separated, of tab-separated fields — version, episode, frame index,
 * id, source (as a JSON string), state id ("" for none), labeller count ("" for none), agreement ("" for
 * none), `[observation,action]` (JSON text, no spaces) — in episode order (server/datasets/sample-pages.ts).
 */
export interface SamplePage {
  length: number;
  rows: string;
  /**
   * The samples' images: one array per image column (in {@link DataWriterOptions.imageKeys} order), each with
   * one PNG (or null) per sample in order; empty when the export has no image column.
   */
  images: Array<Array<Uint8Array | null>>;
}

/** The writer's `workerData`. */
export interface DataWriterOptions {
  dataFile: string;
  episodesFile: string;
  features: Array<[string, LeRobotFeature]>;
  /** `parquetSchema(features, new Set(imageKeys))` (lerobot-layout.ts). */
  dataSchema: SchemaElement[];
  /** `episodesSchema(episodeStatColumns)` (lerobot-layout.ts). */
  episodesSchema: SchemaElement[];
  /** `EPISODE_STAT_COLUMNS` (lerobot-layout.ts): `stats/<feature>/<stat>`. */
  episodeStatColumns: string[];
  /** The image features (`observation.images.<camera>`, or `observation.image`), in column order. */
  imageKeys: string[];
  /**
   * Image statistics decode every `imageStatsEvery`-th row's images (LeRobot also samples: compute_stats.py's
   * `sample_indices`), so that decoding stays a bounded share of the export.
   */
  imageStatsEvery: number;
  fps: number;
  task: string;
}

/** LeRobot's `stats.json` entry of one numeric feature: one value per dimension (`count` is `[n]`). */
export interface FeatureStatsJson {
  min: number[];
  max: number[];
  mean: number[];
  std: number[];
  count: number[];
}

/**
 * LeRobot's `stats.json` entry of one image feature (compute_stats.py): per channel, over the sampled images'
 * pixels scaled to [0, 1], shaped `[c, 1, 1]`; `count` is `[images sampled]`.
 */
export interface ImageStatsJson {
  min: number[][][];
  max: number[][][];
  mean: number[][][];
  std: number[][][];
  count: number[];
}

export interface DataWriterSummary {
  episodes: number;
  frames: number;
  /** `meta/stats.json`: per numeric feature, and per image feature that had images. */
  stats: Record<string, FeatureStatsJson | ImageStatsJson>;
}

export type WriterRequest = { type: "page"; page: SamplePage } | { type: "finish" };

const ZDataWriterSummary = z.custom<DataWriterSummary>(
  (v) => typeof v === "object" && v !== null && typeof (v as DataWriterSummary).episodes === "number" && typeof (v as DataWriterSummary).frames === "number" && typeof (v as DataWriterSummary).stats === "object",
  { message: "expected the writer's summary" },
);

/**
 * The worker's replies. The summary's statistics are checked for shape only: they are written to
 * `meta/stats.json` as computed (a NaN or ±Infinity among them is the data's, not a protocol error).
 */
export const ZWriterReply = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("ack") }),
  z.object({ type: z.literal("done"), summary: ZDataWriterSummary }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type WriterReply = z.output<typeof ZWriterReply>;
