/**
 * The LeRobotDataset v3.0 layout Corrective writes (see docs/FORMATS.md for the LeRobot commit it was
 * checked against): `meta/info.json` features, and the Parquet schemas of the data, episodes and tasks
 * files. A feature of shape `[1]` is a scalar column (LeRobot reads it as `datasets.Value`), a longer
 * vector a LIST column (`datasets.Sequence(length=n)`), an image a `{bytes, path}` struct
 * (`datasets.Image()`).
 */
import type { SchemaElement } from "hyparquet";
import { LEROBOT_CHUNK_SIZE, LEROBOT_CODEBASE_VERSION, LEROBOT_PATHS } from "../../contracts/datasets";
import type { LeRobotDtype, LeRobotFeature } from "../../contracts/dataset-writer-protocol";

const PARQUET_TYPE: Record<Exclude<LeRobotDtype, "image" | "string">, "FLOAT" | "DOUBLE" | "INT64"> = { float32: "FLOAT", float64: "DOUBLE", int64: "INT64" };

/** Parquet schema elements of one feature (a leaf, a 3-level LIST, or the image struct). */
export function featureSchema(name: string, f: LeRobotFeature, optional = false): SchemaElement[] {
  const repetition_type = optional ? "OPTIONAL" : "REQUIRED";
  if (f.dtype === "image") {
    return [
      { name, repetition_type: "OPTIONAL", num_children: 2 },
      { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
      { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ];
  }
  if (f.dtype === "string") return [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type }];
  const leaf = PARQUET_TYPE[f.dtype];
  if (f.shape.length === 1 && f.shape[0] === 1) return [{ name, type: leaf, repetition_type }];
  return [
    { name, repetition_type, converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", type: leaf, repetition_type: "REQUIRED" },
  ];
}

/** A root schema for `features` (in order); names in `optional` may be null. */
export function parquetSchema(features: ReadonlyArray<[string, LeRobotFeature]>, optional: ReadonlySet<string> = new Set()): SchemaElement[] {
  return [{ name: "root", num_children: features.length }, ...features.flatMap(([name, f]) => featureSchema(name, f, optional.has(name)))];
}

export interface DataFeatureOptions {
  obsDim: number;
  actDim: number;
  discrete: boolean;
  observationNames: string[] | null;
  actionNames: string[] | null;
  /**
   * The image features and their `[height, width, channels]`, in column order: `observation.images.<camera>` per
   * camera of a `Dict` observation, or `observation.image` for the frames of a vector project (none without).
   */
  images: ReadonlyArray<readonly [string, readonly [number, number, number]]>;
}

/** The data file's features, in column order. */
export function dataFeatures(o: DataFeatureOptions): Array<[string, LeRobotFeature]> {
  const scalar = (dtype: LeRobotDtype): LeRobotFeature => ({ dtype, shape: [1], names: null });
  return [
    ["observation.state", { dtype: "float32", shape: [o.obsDim], names: o.observationNames }],
    ...o.images.map(([key, shape]): [string, LeRobotFeature] => [key, { dtype: "image", shape: [...shape], names: ["height", "width", "channels"] }]),
    ["action", { dtype: o.discrete ? "int64" : "float32", shape: [o.actDim], names: o.actionNames }],
    ["timestamp", scalar("float32")],
    ["frame_index", scalar("int64")],
    ["episode_index", scalar("int64")],
    ["index", scalar("int64")],
    ["task_index", scalar("int64")],
    ["corrective.source", scalar("string")],
    ["corrective.round", scalar("int64")],
    ["corrective.labellers", scalar("int64")],
    ["corrective.agreement", scalar("float64")],
    ["corrective.state_id", scalar("string")],
    ["corrective.exact", scalar("string")],
  ];
}

/** The episodes table's statistics columns, `stats/<feature>/<stat>`, in schema order. */
export const EPISODE_STAT_COLUMNS = ["observation.state", "action"].flatMap((f) => ["min", "max", "mean", "std", "count"].map((s) => `stats/${f}/${s}`));

/**
 * The schema of `meta/episodes/chunk-000/file-000.parquet` (LeRobot's episodes table): one row per episode
 * with its length, its rows' index range in the data file, its task list and per-episode statistics
 * (`stats/<feature>/<min|max|mean|std|count>`, as LeRobot's aggregate writes them). Column order is the
 * writer's (lerobot-data-writer.mjs).
 */
export function episodesSchema(statColumns: readonly string[] = EPISODE_STAT_COLUMNS): SchemaElement[] {
  const int = (): LeRobotFeature => ({ dtype: "int64", shape: [1], names: null });
  const before: Array<[string, LeRobotFeature]> = [["episode_index", int()]];
  const after: Array<[string, LeRobotFeature]> = [
    ["length", int()],
    ["data/chunk_index", int()],
    ["data/file_index", int()],
    ["dataset_from_index", int()],
    ["dataset_to_index", int()],
    ["meta/episodes/chunk_index", int()],
    ["meta/episodes/file_index", int()],
    ["corrective.round", int()],
    ...statColumns.map((c): [string, LeRobotFeature] => [c, { dtype: c.endsWith("/count") ? "int64" : "float64", shape: [2], names: null }]),
  ];
  // `tasks` is a list of strings: a LIST of UTF8.
  const tasks: SchemaElement[] = [
    { name: "tasks", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
  ];
  const leaves = (features: Array<[string, LeRobotFeature]>) => features.flatMap(([name, f]) => featureSchema(name, f));
  return [{ name: "root", num_children: before.length + 1 + after.length }, ...leaves(before), ...tasks, ...leaves(after)];
}

/** `meta/info.json`. Every feature carries the dataset's fps, as LeRobot's v2.1→v3.0 conversion writes. */
export function infoJson(o: { fps: number; robotType: string; episodes: number; frames: number; features: Array<[string, LeRobotFeature]> }) {
  return {
    codebase_version: LEROBOT_CODEBASE_VERSION,
    robot_type: o.robotType,
    total_episodes: o.episodes,
    total_frames: o.frames,
    total_tasks: 1,
    chunks_size: LEROBOT_CHUNK_SIZE,
    data_files_size_in_mb: 100,
    video_files_size_in_mb: 200,
    fps: o.fps,
    splits: { train: `0:${o.episodes}` },
    data_path: LEROBOT_PATHS.dataTemplate,
    video_path: null,
    features: Object.fromEntries(o.features.map(([k, f]) => [k, { ...f, fps: o.fps }])),
  };
}

/**
 * The `pandas` key-value metadata of `meta/tasks.parquet`: LeRobot reads the file with
 * `pd.read_parquet` and expects the task string as the index (`task` → `task_index`), which pyarrow
 * restores from this metadata, as if pandas had written the file.
 */
export function pandasTaskMetadata(): string {
  return JSON.stringify({
    index_columns: ["task"],
    column_indexes: [{ name: null, field_name: null, pandas_type: "unicode", numpy_type: "object", metadata: { encoding: "UTF-8" } }],
    columns: [
      { name: "task_index", field_name: "task_index", pandas_type: "int64", numpy_type: "int64", metadata: null },
      { name: "task", field_name: "task", pandas_type: "unicode", numpy_type: "object", metadata: null },
    ],
    creator: { library: "pyarrow", version: "14.0.0" },
    pandas_version: "2.1.0",
  });
}

/** Height, width and channels of a PNG (IHDR) or JPEG (first SOFn marker) — header fields only, no decoding. */
export function imageShape(bytes: Uint8Array): [number, number, number] | null {
  if (bytes.length > 26 && bytes[0] === 0x89 && bytes[1] === 0x50) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const colorType = bytes[25];
    const channels = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 6 ? 4 : 3;
    return [view.getUint32(20), view.getUint32(16), channels];
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1] as number;
      const len = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return [((bytes[i + 5] as number) << 8) | (bytes[i + 6] as number), ((bytes[i + 7] as number) << 8) | (bytes[i + 8] as number), bytes[i + 9] as number];
      }
      i += 2 + len;
    }
  }
  return null;
}
