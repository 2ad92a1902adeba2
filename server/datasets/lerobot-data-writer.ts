/**
 * The CPU half of the LeRobot export: sample pages (sample-pages.ts) in, `data/chunk-000/file-000.parquet`
 * (one row group per page, hyparquet-writer's incremental writer on a file) and
 * `meta/episodes/chunk-000/file-000.parquet` out, with `stats.json`'s figures. Runs in a worker thread
 * (lerobot-writer-worker.ts): encoding 100k samples is ~1 s of CPU (JSON parsing of the vectors, Dremel
 * levels, compression), which on the server's thread stalled every other request for 0.2–0.5 s at a time
 * (bench/results/export.md). Pure and synchronous, so it also runs in-thread (tests of the layout).
 */
import { gzipSync } from "node:zlib";
import { fileWriter, ParquetWriter, type ColumnSource } from "hyparquet-writer";
import { LEROBOT_IMAGE_KEY } from "../../contracts/datasets";
import { FeatureStats } from "./feature-stats";
import { parquetSchema, type LeRobotFeature } from "./lerobot-layout";
import type { SamplePage } from "./sample-pages";

export interface DataWriterOptions {
  dataFile: string;
  episodesFile: string;
  features: Array<[string, LeRobotFeature]>;
  fps: number;
  task: string;
}

export interface DataWriterSummary {
  episodes: number;
  frames: number;
  /** `meta/stats.json`: per numeric feature. */
  stats: Record<string, ReturnType<FeatureStats["toJSON"]>>;
}

interface EpisodeMeta {
  index: number;
  round: number;
  from: number;
  length: number;
  obs: FeatureStats;
  act: FeatureStats;
}

/**
 * GZIP at level 1 (Node's zlib, native) instead of hyparquet-writer's JavaScript Snappy: measured on 100k
 * samples, the same CPU for the encoder as a whole and a quarter smaller files (8.5 vs 11.3 MB). Every
 * Parquet reader LeRobot uses (pyarrow) and DuckDB read GZIP; our importer passes zlib to hyparquet.
 */
const GZIP = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input, { level: 1 })) };

/** Float columns skip the dictionary attempt (measured: halves the time of a LIST<FLOAT> column). */
const plainEncoding = (f: LeRobotFeature) => f.dtype === "float32" || f.dtype === "float64";

export class LeRobotDataWriter {
  private readonly data: ParquetWriter;
  private readonly stats: Map<string, FeatureStats>;
  private readonly episodes: EpisodeMeta[] = [];
  private current: (EpisodeMeta & { key: string }) | null = null;
  private index = 0;

  constructor(private readonly o: DataWriterOptions) {
    this.data = new ParquetWriter({ writer: fileWriter(o.dataFile), schema: parquetSchema(o.features, new Set([LEROBOT_IMAGE_KEY])), codec: "GZIP", compressors: GZIP, createdBy: "corrective" });
    this.stats = new Map(o.features.filter(([, f]) => f.dtype !== "string" && f.dtype !== "image").map(([k]) => [k, new FeatureStats()]));
  }

  /** Appends one page as one row group. */
  writePage(page: SamplePage): void {
    const n = page.length;
    const cols = new Map<string, unknown[]>(this.o.features.map(([k]) => [k, new Array(n)]));
    const feature = new Map(this.o.features);
    const col = (k: string) => cols.get(k);
    const obsCol = col("observation.state") as unknown[];
    const actCol = col("action") as unknown[];
    const actScalar = isScalar(feature.get("action")!);
    const actInt = feature.get("action")!.dtype === "int64";
    const c = {
      image: col(LEROBOT_IMAGE_KEY),
      timestamp: col("timestamp") as unknown[],
      frame: col("frame_index") as unknown[],
      episode: col("episode_index") as unknown[],
      index: col("index") as unknown[],
      task: col("task_index") as unknown[],
      source: col("corrective.source") as unknown[],
      round: col("corrective.round") as unknown[],
      labellers: col("corrective.labellers") as unknown[],
      agreement: col("corrective.agreement") as unknown[],
      stateId: col("corrective.state_id") as unknown[],
      exact: col("corrective.exact") as unknown[],
    };
    const obsStats = this.stats.get("observation.state")!;
    const actStats = this.stats.get("action")!;
    const scalarStats = (["timestamp", "frame_index", "episode_index", "index", "task_index", "corrective.round", "corrective.labellers", "corrective.agreement"] as const).map((k) => this.stats.get(k)!);
    const one = [0];
    for (let i = 0; i < n; i++) {
      const version = page.version[i] as number;
      const episodeKey = `${version}:${page.episode[i]}`;
      if (this.current?.key !== episodeKey) {
        this.current = { key: episodeKey, index: this.episodes.length, round: version, from: this.index, length: 0, obs: new FeatureStats(), act: new FeatureStats() };
        this.episodes.push(this.current);
      }
      const episode = this.current;
      episode.length++;
      const observation = JSON.parse(page.observation[i] as string) as number[];
      const action = JSON.parse(page.action[i] as string) as number | number[];
      const act = Array.isArray(action) ? action : [action];
      const frameIndex = page.frameIndex[i] as number;
      const timestamp = frameIndex / this.o.fps;
      const labellers = page.labelCount[i] ?? 0;
      const agreement = page.agreement[i] ?? Number.NaN;
      obsCol[i] = observation;
      actCol[i] = actInt ? (actScalar ? BigInt(Math.round(act[0] as number)) : act.map((x) => BigInt(Math.round(x)))) : actScalar ? act[0] : act;
      if (c.image) {
        const bytes = page.frame[i];
        c.image[i] = bytes ? { bytes, path: null } : null;
      }
      c.timestamp[i] = timestamp;
      c.frame[i] = BigInt(frameIndex);
      c.episode[i] = BigInt(episode.index);
      c.index[i] = BigInt(this.index);
      c.task[i] = 0n;
      c.source[i] = page.source[i];
      c.round[i] = BigInt(version);
      c.labellers[i] = BigInt(labellers);
      c.agreement[i] = agreement;
      c.stateId[i] = page.stateId[i] ?? "";
      // The exact values as JSON `[observation, action]`: float32 columns round them, and a float64 LIST
      // column costs as much to write as the float32 one (bench:export), a string column almost nothing.
      c.exact[i] = JSON.stringify([observation, action]);
      obsStats.add(observation);
      actStats.add(act);
      const scalars = [timestamp, frameIndex, episode.index, this.index, 0, version, labellers, agreement];
      for (let k = 0; k < scalars.length; k++) {
        one[0] = scalars[k] as number;
        scalarStats[k]!.add(one);
      }
      episode.obs.add(observation);
      episode.act.add(act);
      this.index++;
    }
    this.data.write({
      columnData: this.o.features.map(([name, f]) => ({
        name,
        data: cols.get(name) as ColumnSource["data"],
        nullable: f.dtype === "image",
        // Strings unique per row gain nothing from a dictionary or min/max statistics (measured: −15% CPU).
        ...(plainEncoding(f) || name === "corrective.exact" ? { encoding: "PLAIN" as const } : {}),
        ...(f.dtype === "string" || f.dtype === "image" || !isScalar(f) ? { statistics: false } : {}),
      })),
      rowGroupSize: n,
    });
  }

  /** Closes the data file and writes the episodes table; returns what meta/info.json and stats.json need. */
  finish(): DataWriterSummary {
    this.data.finish();
    writeEpisodes(this.o.episodesFile, this.episodes, this.o.task);
    return { episodes: this.episodes.length, frames: this.index, stats: Object.fromEntries([...this.stats].map(([k, s]) => [k, s.toJSON()])) };
  }
}

const isScalar = (f: LeRobotFeature) => f.shape.length === 1 && f.shape[0] === 1;

function writeEpisodes(file: string, episodes: EpisodeMeta[], task: string): void {
  const list = (): LeRobotFeature => ({ dtype: "float64", shape: [2], names: null });
  const int = (): LeRobotFeature => ({ dtype: "int64", shape: [1], names: null });
  const statCols = ["observation.state", "action"].flatMap((f) => ["min", "max", "mean", "std", "count"].map((s) => `stats/${f}/${s}`));
  const features: Array<[string, LeRobotFeature]> = [
    ["episode_index", int()],
    ["tasks", { dtype: "string", shape: [2], names: null }],
    ["length", int()],
    ["data/chunk_index", int()],
    ["data/file_index", int()],
    ["dataset_from_index", int()],
    ["dataset_to_index", int()],
    ["meta/episodes/chunk_index", int()],
    ["meta/episodes/file_index", int()],
    ["corrective.round", int()],
    ...statCols.map((c): [string, LeRobotFeature] => [c, c.endsWith("/count") ? { dtype: "int64", shape: [2], names: null } : list()]),
  ];
  const schema = parquetSchema(features.filter(([k]) => k !== "tasks")).slice(1);
  // `tasks` is a list of strings (LeRobot's episodes table): a LIST of UTF8.
  const tasksSchema = [
    { name: "tasks", repetition_type: "REQUIRED" as const, converted_type: "LIST" as const, num_children: 1 },
    { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
    { name: "element", type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const, repetition_type: "REQUIRED" as const },
  ];
  const fullSchema = [{ name: "root", num_children: features.length }, ...schema.slice(0, 1), ...tasksSchema, ...schema.slice(1)];
  const writer = new ParquetWriter({ writer: fileWriter(file), schema: fullSchema, codec: "GZIP", compressors: GZIP, createdBy: "corrective" });
  const big = (n: number) => BigInt(n);
  const statsOf = (e: EpisodeMeta, f: string) => (f === "observation.state" ? e.obs : e.act).toJSON();
  const PAGE = 10_000;
  for (let at = 0; at < Math.max(episodes.length, 1); at += PAGE) {
    const page = episodes.slice(at, at + PAGE);
    const columns: ColumnSource[] = [
      { name: "episode_index", data: page.map((e) => big(e.index)) },
      { name: "tasks", data: page.map(() => [task]) },
      { name: "length", data: page.map((e) => big(e.length)) },
      { name: "data/chunk_index", data: page.map(() => 0n) },
      { name: "data/file_index", data: page.map(() => 0n) },
      { name: "dataset_from_index", data: page.map((e) => big(e.from)) },
      { name: "dataset_to_index", data: page.map((e) => big(e.from + e.length)) },
      { name: "meta/episodes/chunk_index", data: page.map(() => 0n) },
      { name: "meta/episodes/file_index", data: page.map(() => 0n) },
      { name: "corrective.round", data: page.map((e) => big(e.round)) },
      ...statCols.map((c) => {
        const [, f, s] = c.split("/") as [string, string, "min" | "max" | "mean" | "std" | "count"];
        return { name: c, data: page.map((e) => (s === "count" ? statsOf(e, f).count.map(big) : statsOf(e, f)[s])) };
      }),
    ];
    writer.write({ columnData: columns, rowGroupSize: Math.max(page.length, 1) });
  }
  writer.finish();
}
