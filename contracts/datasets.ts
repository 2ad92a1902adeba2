/**
 * Dataset versions as the lead sees them, and the two exchange formats (export and import):
 *
 * - `jsonl`: one sample per line `{observation, action, source, version, episode_index, frame_index, state_id}`;
 * - `lerobot`: a LeRobotDataset v3.0 directory (Parquet data and metadata, images as PNG/JPEG bytes columns)
 *   packed as one `.tar`; import also takes a v2.1 dataset (one Parquet file per episode). The layout, the
 *   LeRobot commit it was checked against and Corrective's own columns are in docs/FORMATS.md.
 */
import { z } from "zod";

export const DATASET_FORMATS = ["jsonl", "lerobot"] as const;
/** Policy downloads: Corrective's own blob, or an ONNX graph (see docs/FORMATS.md). */
export const POLICY_FORMATS = ["crpl", "onnx"] as const;
export type TPolicyFormat = (typeof POLICY_FORMATS)[number];
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

/** The LeRobotDataset layout written by exports (LeRobot's `CODEBASE_VERSION`, see docs/FORMATS.md). */
export const LEROBOT_CODEBASE_VERSION = "v3.0";
/** Versions imports accept: v3.0 (file-per-chunk) and v2.x (file-per-episode). */
export const LEROBOT_IMPORT_VERSIONS = ["v3.0", "v2.1", "v2.0"] as const;
export const LEROBOT_CHUNK_SIZE = 1000;
export const LEROBOT_PATHS = {
  info: "meta/info.json",
  stats: "meta/stats.json",
  tasks: "meta/tasks.parquet",
  episodes: "meta/episodes/chunk-000/file-000.parquet",
  data: "data/chunk-000/file-000.parquet",
  dataTemplate: "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
} as const;
/** The image feature's key (one camera: the frame stored with the state). */
export const LEROBOT_IMAGE_KEY = "observation.image";

/** What an import needs of `meta/info.json`; everything else is kept as LeRobot wrote it. */
export const ZLeRobotInfo = z
  .object({
    codebase_version: z.string(),
    fps: z.number().positive(),
    features: z.record(z.string(), z.object({ dtype: z.string(), shape: z.array(z.int()).optional() }).loose()),
  })
  .loose();
export type TLeRobotInfo = z.infer<typeof ZLeRobotInfo>;

/**
 * One row of a LeRobot data file, as imported. `action` is always a vector ([a] for a discrete action);
 * `corrective.*` columns (present in Corrective's own exports) carry the exact values (`corrective.exact`:
 * JSON `[observation, action]`) and the sample's source, so a re-import reproduces the checksum.
 */
export const ZLeRobotRow = z
  .object({
    "observation.state": ZVector,
    action: z.array(z.number().finite()).min(1).max(4096),
    episode_index: z.int().min(0).default(0),
    frame_index: z.int().min(0).default(0),
    "corrective.source": ZSource.nullish(),
    "corrective.exact": z.string().max(1_000_000).nullish(),
  })
  .loose();
export type TLeRobotRow = z.infer<typeof ZLeRobotRow>;

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
