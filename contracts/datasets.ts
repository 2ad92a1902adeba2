/**
 * Dataset versions as the lead sees them, and the two exchange formats (export and import):
 *
 * - `jsonl`: one sample per line `{observation, action, source, version, episode_index, frame_index, state_id}`;
 * - `lerobot`: a LeRobotDataset v3.0 directory (Parquet data and metadata, images as PNG/JPEG bytes columns)
 *   packed as one `.tar`; import also takes a v2.1 dataset (one Parquet file per episode). The layout, the
 *   LeRobot commit it was checked against and Corrective's own columns are in docs/FORMATS.md.
 */
import { z } from "zod";
import { ZActionOut, zId, zTimestamp } from "./fields";

export const DATASET_FORMATS = ["jsonl", "lerobot"] as const;
/** Policy downloads: Corrective's own blob, or an ONNX graph (see docs/FORMATS.md). */
export const POLICY_FORMATS = ["crpl", "onnx"] as const;
export type TPolicyFormat = (typeof POLICY_FORMATS)[number];
export type TDatasetFormat = (typeof DATASET_FORMATS)[number];

/**
 * The bounds of an imported sample, shared by the schemas below and by the LeRobot import's zod-free check of
 * rows that plainly pass (server/datasets/parse-lerobot-tar.ts `plainRow`).
 */
export const SAMPLE_LIMITS = { observation: 65_536, action: 4096, sourceLength: 40, exactLength: 1_000_000 } as const;
export const SOURCE_RE = /^[a-z_]+$/;

const ZVector = z.array(z.number().finite()).min(1).max(SAMPLE_LIMITS.observation);
const ZActionVector = z.array(z.number().finite()).min(1).max(SAMPLE_LIMITS.action);
const ZActionValue = z.union([z.number().finite(), ZActionVector]);

export const SAMPLE_SOURCES = ["expert", "teleop", "takeover", "label", "gold", "review", "import", "intervention"] as const;
const ZSource = z.string().trim().min(1).max(SAMPLE_LIMITS.sourceLength).regex(SOURCE_RE, "lower-case letters and _ only");

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
/**
 * The image feature of a project whose observations are vectors: the picture stored with each state for people
 * (an uploaded step's `frameId`), not a policy input. LeRobot treats any `dtype: "image"` feature as a camera.
 */
export const LEROBOT_IMAGE_KEY = "observation.image";
/**
 * The image features of a `Dict` observation's cameras, LeRobot's naming (`observation.images.<camera>`, e.g.
 * `observation.images.front`): what the policy saw, one column per camera in `cameraKeys` order.
 */
export const LEROBOT_CAMERA_PREFIX = "observation.images.";
export const lerobotCameraKey = (camera: string): string => `${LEROBOT_CAMERA_PREFIX}${camera}`;

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
    action: ZActionVector,
    episode_index: z.int().min(0).default(0),
    frame_index: z.int().min(0).default(0),
    "corrective.source": ZSource.nullish(),
    "corrective.exact": z.string().max(SAMPLE_LIMITS.exactLength).nullish(),
  })
  .loose();
export type TLeRobotRow = z.infer<typeof ZLeRobotRow>;

export const ZHistogram = z.object({
  /** discrete: one bin per action; box: `bins` equal bins per dimension between `low` and `high`. */
  kind: z.enum(["discrete", "box"]),
  dims: z.array(z.object({ label: z.string(), low: z.number(), high: z.number(), counts: z.array(z.number()) })),
});
export type THistogram = z.output<typeof ZHistogram>;

const ZCounts = z.record(z.string(), z.number());

export const ZDatasetVersionView = z.object({
  version: z.number(),
  roundIndex: z.number().nullable(),
  sampleCount: z.number(),
  addedCount: z.number(),
  bySource: ZCounts.describe("Cumulative samples by source."),
  /** Samples this version added, by source. */
  addedBySource: ZCounts,
  checksum: z.string().describe("Σ sha256(JSON([observation, action, source])) mod 2^256 over the version's samples: content only."),
  imported: z.boolean(),
  createdAt: zTimestamp(),
});
export type TDatasetVersionSummary = z.output<typeof ZDatasetVersionView>;

export const ZDatasetVersionDetailView = ZDatasetVersionView.extend({
  /** Samples per version (≤ this one) and source: the rounds the data came from. */
  byVersion: z.array(z.object({ version: z.number(), source: z.string(), count: z.number() })),
  episodes: z.number(),
  histogram: ZHistogram,
});
export type TDatasetVersionDetail = z.output<typeof ZDatasetVersionDetailView>;

export const ZDatasetDiffView = z.object({
  from: ZDatasetVersionView,
  to: ZDatasetVersionView,
  /** Samples in `to` but not in `from` (versions are append-only, so nothing is ever removed). */
  added: z.number(),
  addedBySource: ZCounts,
  addedByVersion: z.array(z.object({ version: z.number(), count: z.number() })),
  histogramFrom: ZHistogram,
  histogramTo: ZHistogram,
});
export type TDatasetDiff = z.output<typeof ZDatasetDiffView>;

export const ZDatasetImportView = z.object({ version: z.number(), roundIndex: z.number(), samples: z.number(), episodes: z.number(), checksum: z.string(), bySource: ZCounts });
export type TDatasetImportResult = z.output<typeof ZDatasetImportView>;

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

export const ZDatasetSampleView = z.object({
  id: z.number(),
  version: z.number().describe("The dataset version that added the sample."),
  source: z.string(),
  episode: z.number(),
  frameIndex: z.number(),
  stateId: zId().nullable(),
  observation: z.array(z.number()),
  action: ZActionOut,
});
export type TDatasetSample = z.output<typeof ZDatasetSampleView>;

export const ZDatasetSamplePageView = z.object({
  samples: z.array(ZDatasetSampleView),
  /** Samples in the version (with the source filter). */
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
});
export type TDatasetSamplePage = z.output<typeof ZDatasetSamplePageView>;
