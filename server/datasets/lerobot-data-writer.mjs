/**
 * The CPU half of the LeRobot export: sample pages (sample-pages.ts) in, `data/chunk-000/file-000.parquet`
 * (one row group per page, hyparquet-writer's incremental writer on a file) and
 * `meta/episodes/chunk-000/file-000.parquet` out, with `stats.json`'s figures. Types:
 * lerobot-data-writer.d.mts.
 *
 * Runs in a worker thread (lerobot-writer-worker.mjs): encoding 100k samples is ~1 s of CPU (JSON parsing of
 * the vectors, Dremel levels, compression), which on the server's thread stalled every other request for
 * 0.2–0.5 s at a time (bench/results/export.md). Plain JavaScript on purpose: a worker that registers tsx
 * to load TypeScript took 0.7–1.1 s and ~50 MiB to start, this one ~0.2 s and ~12 MiB (measured). The
 * Parquet schemas come ready-made from lerobot-layout.ts (options `dataSchema`, `episodesSchema`).
 */
import { gzipSync } from "node:zlib";
import { fileWriter, ParquetWriter } from "hyparquet-writer";

/**
 * GZIP at level 1 (Node's zlib, native) instead of hyparquet-writer's JavaScript Snappy: measured on 100k
 * samples, the same encoder CPU as a whole and a quarter smaller files (8.5 vs 11.3 MB). pyarrow (what
 * LeRobot reads with) and DuckDB read GZIP; our importer hands zlib to hyparquet.
 */
const GZIP = { GZIP: (/** @type {Uint8Array} */ input) => new Uint8Array(gzipSync(input, { level: 1 })) };

/**
 * Running statistics of one numeric feature, per dimension (Welford), in LeRobot's `stats.json` shape:
 * `{min, max, mean, std, count}` with one value per dimension (`count` is `[n]`).
 */
export class FeatureStats {
  n = 0;
  /** @type {number[]} */ mean = [];
  /** @type {number[]} */ m2 = [];
  /** @type {number[]} */ min = [];
  /** @type {number[]} */ max = [];

  /** @param {ArrayLike<number>} x */
  add(x) {
    this.n++;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const mean = this.mean[i] ?? 0;
      const d = v - mean;
      const next = mean + d / this.n;
      this.mean[i] = next;
      this.m2[i] = (this.m2[i] ?? 0) + d * (v - next);
      this.min[i] = Math.min(this.min[i] ?? Infinity, v);
      this.max[i] = Math.max(this.max[i] ?? -Infinity, v);
    }
  }

  toJSON() {
    return { min: this.min, max: this.max, mean: this.mean, std: this.m2.map((m) => Math.sqrt(m / Math.max(1, this.n))), count: [this.n] };
  }
}

/** The scalar numeric columns (besides observation.state and action), each with stats. */
const SCALARS = ["timestamp", "frame_index", "episode_index", "index", "task_index", "corrective.round", "corrective.labellers", "corrective.agreement"];

/** @param {{dtype: string, shape: number[]}} f */
const isScalar = (f) => f.shape.length === 1 && f.shape[0] === 1;

export class LeRobotDataWriter {
  /** @param {import("../../contracts/dataset-writer-protocol").DataWriterOptions} o */
  constructor(o) {
    this.o = o;
    this.data = new ParquetWriter({ writer: fileWriter(o.dataFile), schema: o.dataSchema, codec: "GZIP", compressors: GZIP, createdBy: "corrective" });
    /** @type {Map<string, FeatureStats>} */
    this.stats = new Map(o.features.filter(([, f]) => f.dtype !== "string" && f.dtype !== "image").map(([k]) => [k, new FeatureStats()]));
    /** @type {Array<{index: number, round: number, from: number, length: number, obs: FeatureStats, act: FeatureStats, key: string}>} */
    this.episodes = [];
    /** @type {(typeof this.episodes)[number] | null} */
    this.current = null;
    this.index = 0;
  }

  /**
   * Appends one page as one row group.
   * @param {import("../../contracts/dataset-writer-protocol").SamplePage} page
   */
  writePage(page) {
    const n = page.length;
    const feature = new Map(this.o.features);
    /** @type {Map<string, unknown[]>} */
    const cols = new Map(this.o.features.map(([k]) => [k, new Array(n)]));
    const col = (/** @type {string} */ k) => /** @type {unknown[]} */ (cols.get(k));
    const actFeature = /** @type {{dtype: string, shape: number[]}} */ (feature.get("action"));
    const actScalar = isScalar(actFeature);
    const actInt = actFeature.dtype === "int64";
    // A one-number state (CarTrackPixels-v0: the speed) is a scalar column, like a one-number action.
    const obsScalar = isScalar(/** @type {{dtype: string, shape: number[]}} */ (feature.get("observation.state")));
    const image = cols.get(this.o.imageKey);
    const [obsCol, actCol, timestamp, frameCol, episodeCol, indexCol, task, source, round, labellersCol, agreementCol, stateId, exact] = [
      "observation.state",
      "action",
      "timestamp",
      "frame_index",
      "episode_index",
      "index",
      "task_index",
      "corrective.source",
      "corrective.round",
      "corrective.labellers",
      "corrective.agreement",
      "corrective.state_id",
      "corrective.exact",
    ].map(col);
    const obsStats = /** @type {FeatureStats} */ (this.stats.get("observation.state"));
    const actStats = /** @type {FeatureStats} */ (this.stats.get("action"));
    const scalarStats = SCALARS.map((k) => /** @type {FeatureStats} */ (this.stats.get(k)));
    const one = [0];
    for (let i = 0; i < n; i++) {
      const version = page.version[i];
      const key = `${version}:${page.episode[i]}`;
      if (this.current?.key !== key) {
        this.current = { key, index: this.episodes.length, round: version, from: this.index, length: 0, obs: new FeatureStats(), act: new FeatureStats() };
        this.episodes.push(this.current);
      }
      const episode = this.current;
      episode.length++;
      /** @type {number[]} */
      const observation = JSON.parse(page.observation[i]);
      /** @type {number | number[]} */
      const action = JSON.parse(page.action[i]);
      const act = Array.isArray(action) ? action : [action];
      const frameIndex = page.frameIndex[i];
      const ts = frameIndex / this.o.fps;
      const labellers = page.labelCount[i] ?? 0;
      const agreement = page.agreement[i] ?? Number.NaN;
      obsCol[i] = obsScalar ? observation[0] : observation;
      actCol[i] = actInt ? (actScalar ? BigInt(Math.round(act[0])) : act.map((x) => BigInt(Math.round(x)))) : actScalar ? act[0] : act;
      if (image) {
        const bytes = page.frame[i];
        image[i] = bytes ? { bytes, path: null } : null;
      }
      timestamp[i] = ts;
      frameCol[i] = BigInt(frameIndex);
      episodeCol[i] = BigInt(episode.index);
      indexCol[i] = BigInt(this.index);
      task[i] = 0n;
      source[i] = page.source[i];
      round[i] = BigInt(version);
      labellersCol[i] = BigInt(labellers);
      agreementCol[i] = agreement;
      stateId[i] = page.stateId[i] ?? "";
      // The exact values as JSON `[observation, action]`: float32 columns round them, and a float64 LIST
      // column costs as much to write as the float32 one (bench:export), a string column almost nothing.
      exact[i] = JSON.stringify([observation, action]);
      obsStats.add(observation);
      actStats.add(act);
      const scalars = [ts, frameIndex, episode.index, this.index, 0, version, labellers, agreement];
      for (let k = 0; k < scalars.length; k++) {
        one[0] = scalars[k];
        scalarStats[k].add(one);
      }
      episode.obs.add(observation);
      episode.act.add(act);
      this.index++;
    }
    this.data.write({
      columnData: this.o.features.map(([name, f]) => ({
        name,
        data: /** @type {any} */ (cols.get(name)),
        nullable: f.dtype === "image",
        // Float columns skip the dictionary attempt (measured: halves the time of a LIST<FLOAT> column), and
        // so does the string unique per row; min/max statistics only where a reader can use them (scalars).
        ...(f.dtype === "float32" || f.dtype === "float64" || name === "corrective.exact" ? { encoding: /** @type {const} */ ("PLAIN") } : {}),
        ...(f.dtype === "string" || f.dtype === "image" || !isScalar(f) ? { statistics: false } : {}),
      })),
      rowGroupSize: n,
    });
  }

  /**
   * Closes the data file and writes the episodes table; returns what meta/info.json and stats.json need.
   * @returns {import("../../contracts/dataset-writer-protocol").DataWriterSummary}
   */
  finish() {
    this.data.finish();
    writeEpisodes(this.o, this.episodes);
    return { episodes: this.episodes.length, frames: this.index, stats: Object.fromEntries([...this.stats].map(([k, s]) => [k, s.toJSON()])) };
  }
}

/**
 * @param {import("../../contracts/dataset-writer-protocol").DataWriterOptions} o
 * @param {LeRobotDataWriter["episodes"]} episodes
 */
function writeEpisodes({ episodesFile, episodesSchema, episodeStatColumns, task }, episodes) {
  const writer = new ParquetWriter({ writer: fileWriter(episodesFile), schema: episodesSchema, codec: "GZIP", compressors: GZIP, createdBy: "corrective" });
  const big = (/** @type {number} */ n) => BigInt(n);
  const PAGE = 10_000;
  for (let at = 0; at < Math.max(episodes.length, 1); at += PAGE) {
    const page = episodes.slice(at, at + PAGE);
    const stats = page.map((e) => ({ "observation.state": e.obs.toJSON(), action: e.act.toJSON() }));
    /** @type {import("hyparquet-writer").ColumnSource[]} */
    const columns = [
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
      ...episodeStatColumns.map((c) => {
        const [, f, s] = /** @type {[string, "observation.state" | "action", "min" | "max" | "mean" | "std" | "count"]} */ (c.split("/"));
        return { name: c, data: stats.map((st) => (s === "count" ? st[f].count.map(big) : st[f][s])) };
      }),
    ];
    writer.write({ columnData: columns, rowGroupSize: Math.max(page.length, 1) });
  }
  writer.finish();
}
