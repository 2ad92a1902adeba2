/**
 * Dataset versions as the lead sees them, and the two exchange formats (export and import):
 *
 * - `jsonl`: one sample per line `{observation, action, source, version, episode_index, frame_index, state_id}`;
 * - `lerobot`: a LeRobot-style layout (one row per step: index, episode_index, frame_index, timestamp,
 *   observation.state, action, plus metadata) as a zip-free bundle: one JSON document whose `files` maps each
 *   path of the layout to the file's text. Parquet is replaced by JSONL (see docs/LEADS.md, "Datasets").
 */
import { z } from "zod";

export const DATASET_FORMATS = ["jsonl", "lerobot"] as const;
export type TDatasetFormat = (typeof DATASET_FORMATS)[number];

const ZVector = z.array(z.number().finite()).min(1).max(65_536);
const ZActionValue = z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)]);

export const SAMPLE_SOURCES = ["expert", "teleop", "takeover", "label", "gold", "review", "import", "intervention"] as const;
const ZSource = z.string().trim().min(1).max(40).regex(/^[a-z_]+$/, "lower-case letters and _ only");

/** One line of the `jsonl` format. `version`, `episode_index` and `frame_index` are optional on import. */
export const ZJsonlSample = z
  .object({
    observation: ZVector,
    action: ZActionValue,
    source: ZSource.default("import"),
    version: z.int().min(0).optional(),
    episode_index: z.int().min(0).default(0),
    frame_index: z.int().min(0).default(0),
    state_id: z.string().nullable().optional(),
  })
  .strict();
export type TJsonlSample = z.infer<typeof ZJsonlSample>;

export const LEROBOT_CODEBASE_VERSION = "v2.1";
export const LEROBOT_CHUNK_SIZE = 1000;
export const lerobotEpisodePath = (episode: number) =>
  `data/chunk-${String(Math.floor(episode / LEROBOT_CHUNK_SIZE)).padStart(3, "0")}/episode_${String(episode).padStart(6, "0")}.jsonl`;

/** One row (step) of a LeRobot episode file. `action` is always a vector ([a] for a discrete action). */
export const ZLeRobotRow = z
  .object({
    index: z.int().min(0).optional(),
    episode_index: z.int().min(0),
    frame_index: z.int().min(0),
    timestamp: z.number().finite().min(0),
    "observation.state": ZVector,
    action: z.array(z.number().finite()).min(1).max(4096),
    task_index: z.int().min(0).default(0),
    source: ZSource.default("import"),
  })
  .strict();
export type TLeRobotRow = z.infer<typeof ZLeRobotRow>;

export const ZLeRobotInfo = z
  .object({
    codebase_version: z.string(),
    fps: z.number().positive(),
    total_episodes: z.int().min(0),
    total_frames: z.int().min(0),
    features: z.record(z.string(), z.unknown()),
  })
  .loose();

/** The zip-free bundle: every file of the layout by path, its text as the value. */
export const ZLeRobotBundle = z
  .object({
    format: z.literal("lerobot"),
    files: z.record(z.string().min(1).max(300), z.string()).refine((f) => "meta/info.json" in f, { message: "meta/info.json is missing" }),
  })
  .loose();
export type TLeRobotBundle = z.infer<typeof ZLeRobotBundle>;

export interface THistogram {
  /** discrete: one bin per action; box: `bins` equal bins per dimension between `low` and `high`. */
  kind: "discrete" | "box";
  dims: { label: string; low: number; high: number; counts: number[] }[];
}

export interface TDatasetVersionSummary {
  version: number;
  roundIndex: number | null;
  sampleCount: number;
  addedCount: number;
  /** Cumulative samples by source up to this version. */
  bySource: Record<string, number>;
  /** Samples this version added, by source. */
  addedBySource: Record<string, number>;
  checksum: string;
  imported: boolean;
  createdAt: string;
}

export interface TDatasetVersionDetail extends TDatasetVersionSummary {
  /** Samples per version (≤ this one) and source: the rounds the data came from. */
  byVersion: { version: number; source: string; count: number }[];
  episodes: number;
  histogram: THistogram;
}

export interface TDatasetDiff {
  from: TDatasetVersionSummary;
  to: TDatasetVersionSummary;
  /** Samples in `to` but not in `from` (versions are append-only, so nothing is ever removed). */
  added: number;
  addedBySource: Record<string, number>;
  addedByVersion: { version: number; count: number }[];
  histogramFrom: THistogram;
  histogramTo: THistogram;
}

export interface TDatasetImportResult {
  version: number;
  roundIndex: number;
  samples: number;
  episodes: number;
  checksum: string;
  bySource: Record<string, number>;
}

/** `GET …/datasets/{version}/samples`: one page of a version's samples, oldest first, optionally one source. */
export const ZDatasetSamplesQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(200).default(25),
    /** Only samples of this source (`expert`, `label`, …). */
    source: ZSource.optional(),
  })
  .strict();
export type TDatasetSamplesQuery = z.infer<typeof ZDatasetSamplesQuery>;

export interface TDatasetSample {
  id: number;
  /** The dataset version that added the sample. */
  version: number;
  source: string;
  episode: number;
  frameIndex: number;
  stateId: string | null;
  observation: number[];
  action: number | number[];
}

export interface TDatasetSamplePage {
  samples: TDatasetSample[];
  /** Samples in the version (with the source filter). */
  total: number;
  offset: number;
  limit: number;
}
