/**
 * The CPU half of the LeRobot export: sample pages (sample-pages.ts: one packed text each) in,
 * `data/chunk-000/file-000.parquet` (one row group per page, written column by column with hyparquet-writer's
 * column encoder into its incremental writer on a file) and `meta/episodes/chunk-000/file-000.parquet` out,
 * with `stats.json`'s figures. Types: lerobot-data-writer.d.mts. Encodings and why: docs/FORMATS.md.
 *
 * Runs in a worker thread (lerobot-writer-worker.mjs): encoding 100k samples is ~1 s of CPU (JSON parsing of
 * the vectors, statistics, compression), which on the server's thread stalled every other request for
 * 0.2–0.5 s at a time (bench/results/export.md). Plain JavaScript on purpose: a worker that registers tsx
 * to load TypeScript took 0.7–1.1 s and ~50 MiB to start, this one ~0.2 s and ~12 MiB (measured). The
 * Parquet schemas come ready-made from lerobot-layout.ts (options `dataSchema`, `episodesSchema`).
 */
import { gzipSync } from "node:zlib";
import { decode } from "fast-png";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { encodeNestedValues } from "hyparquet-writer/src/dremel.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";

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

  /** `add([v])` without the array (the scalar columns, once a row each). */
  add1(/** @type {number} */ v) {
    this.n++;
    const mean = this.mean[0] ?? 0;
    const d = v - mean;
    const next = mean + d / this.n;
    this.mean[0] = next;
    this.m2[0] = (this.m2[0] ?? 0) + d * (v - next);
    this.min[0] = Math.min(this.min[0] ?? Infinity, v);
    this.max[0] = Math.max(this.max[0] ?? -Infinity, v);
  }

  toJSON() {
    return { min: this.min, max: this.max, mean: this.mean, std: this.m2.map((m) => Math.sqrt(m / Math.max(1, this.n))), count: [this.n] };
  }
}

/**
 * Per-channel statistics of an image feature, as LeRobot's compute_stats.py writes them: min, max, mean and std
 * over every pixel of the sampled images, scaled to [0, 1], each shaped `[c, 1, 1]`; `count` is the number of
 * images sampled. Images that do not decode (or have another channel count) are skipped: the column keeps them.
 */
export class ImageStats {
  /** @param {number} channels */
  constructor(channels) {
    this.channels = channels;
    this.images = 0;
    this.pixels = 0;
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
    this.min = new Float64Array(channels).fill(Infinity);
    this.max = new Float64Array(channels).fill(-Infinity);
  }

  /** @param {Uint8Array} png */
  add(png) {
    let image;
    try {
      image = decode(png);
    } catch {
      return;
    }
    const c = this.channels;
    if (image.channels !== c || image.depth !== 8) return;
    const data = image.data;
    for (let i = 0; i < data.length; i += c) {
      for (let k = 0; k < c; k++) {
        const v = data[i + k];
        this.sum[k] += v;
        this.sumSq[k] += v * v;
        if (v < this.min[k]) this.min[k] = v;
        if (v > this.max[k]) this.max[k] = v;
      }
    }
    this.pixels += data.length / c;
    this.images++;
  }

  /** @returns {import("../../contracts/dataset-writer-protocol").ImageStatsJson | null} */
  toJSON() {
    if (this.images === 0) return null;
    const n = this.pixels;
    const per = (/** @type {(k: number) => number} */ f) => Array.from({ length: this.channels }, (_, k) => [[f(k) / 255]]);
    return {
      min: per((k) => this.min[k]),
      max: per((k) => this.max[k]),
      mean: per((k) => this.sum[k] / n),
      std: per((k) => Math.sqrt(Math.max(0, this.sumSq[k] / n - (this.sum[k] / n) ** 2))),
      count: [this.images],
    };
  }
}

/** The scalar numeric columns (besides observation.state and action), each with stats. */
const SCALARS = ["timestamp", "frame_index", "episode_index", "index", "task_index", "corrective.round", "corrective.labellers", "corrective.agreement"];

export class LeRobotDataWriter {
  /** @param {import("../../contracts/dataset-writer-protocol").DataWriterOptions} o */
  constructor(o) {
    this.o = o;
    this.data = new ParquetWriter({ writer: fileWriter(o.dataFile), schema: o.dataSchema, codec: "GZIP", compressors: GZIP, createdBy: "corrective" });
    /** @type {Map<string, FeatureStats>} */
    this.stats = new Map(o.features.filter(([, f]) => f.dtype !== "string" && f.dtype !== "image").map(([k]) => [k, new FeatureStats()]));
    /** @type {Array<{index: number, round: number, episode: number, from: number, length: number, obs: FeatureStats, act: FeatureStats}>} */
    this.episodes = [];
    /** @type {(typeof this.episodes)[number] | null} */
    this.current = null;
    this.index = 0;
    const feature = new Map(o.features);
    const dims = (/** @type {string} */ k) => /** @type {{dtype: string, shape: number[]}} */ (feature.get(k)).shape.reduce((a, b) => a * b, 1);
    this.obsDim = dims("observation.state");
    this.actDim = dims("action");
    this.actInt = /** @type {{dtype: string}} */ (feature.get("action")).dtype === "int64";
    /** @type {Map<string, ImageStats>} */
    this.imageStats = new Map(o.imageKeys.map((k) => [k, new ImageStats(/** @type {{shape: number[]}} */ (feature.get(k)).shape[2] ?? 3)]));
    /** @type {Map<string, string>} */
    this.sources = new Map();
  }

  /**
   * Appends one page as one row group, column by column: vectors go into flat typed arrays (a LIST column's
   * levels are the same for every row of a fixed-length vector), integers stay numbers (DELTA_BINARY_PACKED
   * takes them without a BigInt each), and `corrective.exact` is the database's own JSON text, not a
   * re-serialisation of the parsed numbers.
   * @param {import("../../contracts/dataset-writer-protocol").SamplePage} page
   */
  writePage(page) {
    const n = page.length;
    const { obsDim, actDim, actInt } = this;
    const obsCol = new Float32Array(n * obsDim);
    const actCol = actInt ? new Float64Array(n * actDim) : new Float32Array(n * actDim);
    const timestamp = new Float32Array(n);
    const frameCol = new Float64Array(n);
    const episodeCol = new Float64Array(n);
    const indexCol = new Float64Array(n);
    const round = new Float64Array(n);
    const labellersCol = new Float64Array(n);
    const agreementCol = new Float64Array(n);
    /** @type {string[]} */
    const stateId = new Array(n);
    /** @type {string[]} */
    const source = new Array(n);
    /** @type {Uint8Array[]} */
    const exact = new Array(n);
    const imageKeys = this.o.imageKeys;
    /** @type {Array<Array<{bytes: Uint8Array, path: null} | null>>} */
    const images = imageKeys.map(() => new Array(n));
    const imageStats = imageKeys.map((k) => /** @type {ImageStats} */ (this.imageStats.get(k)));
    const statsEvery = Math.max(1, this.o.imageStatsEvery);
    const obsStats = /** @type {FeatureStats} */ (this.stats.get("observation.state"));
    const actStats = /** @type {FeatureStats} */ (this.stats.get("action"));
    const scalarStats = SCALARS.map((k) => /** @type {FeatureStats} */ (this.stats.get(k)));
    const text = page.rows;
    // The lines as bytes, for `corrective.exact` (views into this buffer): `latin1` keeps one byte per
    // UTF-16 unit, so string offsets are byte offsets, and the JSON of numbers is ASCII.
    const bytes = Buffer.from(text, "latin1");
    let at = 0;
    for (let i = 0; i < n; i++) {
      // version \t episode \t frame index \t id \t source (JSON) \t state id \t labellers \t agreement \t [observation,action]
      const t1 = text.indexOf("\t", at);
      const t2 = text.indexOf("\t", t1 + 1);
      const t3 = text.indexOf("\t", t2 + 1);
      const t4 = text.indexOf("\t", t3 + 1);
      const t5 = text.indexOf("\t", t4 + 1);
      const t6 = text.indexOf("\t", t5 + 1);
      const t7 = text.indexOf("\t", t6 + 1);
      const t8 = text.indexOf("\t", t7 + 1);
      const eol = text.indexOf("\n", t8 + 1);
      const end = eol < 0 ? text.length : eol;
      if (t8 < 0) throw new Error(`sample page line ${i + 1}: expected 9 tab-separated fields`);
      const version = intAt(text, at, t1);
      const episodeId = intAt(text, t1 + 1, t2);
      const frameIndex = intAt(text, t2 + 1, t3);
      if (this.current?.round !== version || this.current.episode !== episodeId) {
        this.current = { episode: episodeId, index: this.episodes.length, round: version, from: this.index, length: 0, obs: new FeatureStats(), act: new FeatureStats() };
        this.episodes.push(this.current);
      }
      const episode = this.current;
      episode.length++;
      source[i] = this.source(text.slice(t4 + 1, t5));
      stateId[i] = text.slice(t5 + 1, t6);
      const labellers = t7 > t6 + 1 ? intAt(text, t6 + 1, t7) : 0;
      const agreement = t8 > t7 + 1 ? Number(text.slice(t7 + 1, t8)) : Number.NaN;
      /** @type {[number[], number | number[]]} */
      const [observation, action] = JSON.parse(text.slice(t8 + 1, end));
      // The exact values as JSON `[observation, action]` (float32 columns round them): the stored jsonb's text
      // as the page brings it (re-serialising 10 parsed numbers a row was ~10% of the encoder's time).
      exact[i] = bytes.subarray(t8 + 1, end);
      at = end + 1;
      const act = Array.isArray(action) ? action : [action];
      for (let j = 0; j < obsDim; j++) obsCol[i * obsDim + j] = observation[j];
      for (let j = 0; j < actDim; j++) actCol[i * actDim + j] = actInt ? Math.round(act[j]) : act[j];
      const ts = frameIndex / this.o.fps;
      for (let k = 0; k < imageKeys.length; k++) {
        const frame = page.images[k]?.[i] ?? null;
        images[k][i] = frame ? { bytes: frame, path: null } : null;
        if (frame && this.index % statsEvery === 0) imageStats[k].add(frame);
      }
      timestamp[i] = ts;
      frameCol[i] = frameIndex;
      episodeCol[i] = episode.index;
      indexCol[i] = this.index;
      round[i] = version;
      labellersCol[i] = labellers;
      agreementCol[i] = agreement;
      obsStats.add(observation);
      actStats.add(act);
      scalarStats[0].add1(ts);
      scalarStats[1].add1(frameIndex);
      scalarStats[2].add1(episode.index);
      scalarStats[3].add1(this.index);
      scalarStats[4].add1(0);
      scalarStats[5].add1(version);
      scalarStats[6].add1(labellers);
      scalarStats[7].add1(agreement);
      episode.obs.add(observation);
      episode.act.add(act);
      this.index++;
    }
    /** @type {Record<string, RowGroupColumn>} */
    const columns = {
      "observation.state": vectorColumn(obsCol, n, obsDim),
      action: actInt ? { ...vectorColumn(actCol, n, actDim), encoding: "DELTA_BINARY_PACKED", codec: "UNCOMPRESSED" } : vectorColumn(actCol, n, actDim),
      timestamp: { data: timestamp },
      frame_index: intColumn(frameCol, true),
      episode_index: intColumn(episodeCol, true),
      index: intColumn(indexCol, true),
      task_index: intColumn(new Float64Array(n)),
      "corrective.source": { data: source, statistics: false },
      "corrective.round": intColumn(round),
      "corrective.labellers": intColumn(labellersCol),
      "corrective.agreement": { data: agreementCol, statistics: false },
      "corrective.state_id": { data: stateId, statistics: false },
      "corrective.exact": { data: exact, encoding: "PLAIN", statistics: false },
    };
    imageKeys.forEach((key, k) => (columns[key] = { data: images[k], statistics: false, pageSize: IMAGE_PAGE_BYTES }));
    writeRowGroup(this.data, this.o.features.map(([name]) => ({ name, ...columns[name] })), n);
  }

  /** A source from its JSON text (the few distinct ones parsed once). */
  source(/** @type {string} */ json) {
    let value = this.sources.get(json);
    if (value === undefined) {
      value = /** @type {string} */ (JSON.parse(json));
      this.sources.set(json, value);
    }
    return value;
  }

  /**
   * Closes the data file and writes the episodes table; returns what meta/info.json and stats.json need.
   * @returns {import("../../contracts/dataset-writer-protocol").DataWriterSummary}
   */
  finish() {
    this.data.finish();
    writeEpisodes(this.o, this.episodes);
    /** @type {import("../../contracts/dataset-writer-protocol").DataWriterSummary["stats"]} */
    const stats = Object.fromEntries([...this.stats].map(([k, s]) => [k, s.toJSON()]));
    for (const [k, s] of this.imageStats) {
      const json = s.toJSON();
      if (json) stats[k] = json;
    }
    return { episodes: this.episodes.length, frames: this.index, stats };
  }
}

/**
 * One column of a row group for {@link writeRowGroup}: `data` (one value per row, nested as the schema
 * says), or `pageData` (flat values with their levels, computed by the caller).
 * @typedef {{ data?: any, pageData?: import("hyparquet-writer/src/types.js").PageData, encoding?: import("hyparquet").Encoding,
 *   codec?: import("hyparquet").CompressionCodec, statistics?: boolean, pageSize?: number }} RowGroupColumn
 */

/**
 * Data pages of the image column are split at ~1 MB like hyparquet-writer's default; every other column
 * chunk of a 5,000-row group is one page (< 1 MB; sizing pages costs a call per value).
 */
const IMAGE_PAGE_BYTES = 1 << 20;

/**
 * An int64 column of small integers as numbers: delta-encoded (a few bits a row), not compressed again.
 * Min/max statistics (a call per value) only for the position columns a reader filters on.
 */
const intColumn = (/** @type {Float64Array} */ data, statistics = false) => /** @type {RowGroupColumn} */ ({ data, encoding: "DELTA_BINARY_PACKED", codec: "UNCOMPRESSED", statistics });

/** @type {Map<string, {rep: Uint8Array, def: Uint8Array}>} */
const LEVELS = new Map();

/**
 * A fixed-length vector column: a 3-level LIST of required elements (repetition level 0 at each row's first
 * element, 1 at the others; definition level 1 throughout), or a scalar column when `dim` is 1
 * (lerobot-layout.ts). PLAIN and not compressed: GZIP saved ~9% on float32 values for ~5% of the time.
 * @param {Float32Array | Float64Array} values
 * @param {number} n
 * @param {number} dim
 * @returns {RowGroupColumn}
 */
function vectorColumn(values, n, dim) {
  if (dim === 1) return { data: values, encoding: "PLAIN", codec: "UNCOMPRESSED", statistics: true };
  const key = `${n}x${dim}`;
  let levels = LEVELS.get(key);
  if (!levels) {
    const rep = new Uint8Array(n * dim).fill(1);
    for (let i = 0; i < n; i++) rep[i * dim] = 0;
    levels = { rep, def: new Uint8Array(n * dim).fill(1) };
    LEVELS.set(key, levels);
  }
  return {
    pageData: { values, repetitionLevels: /** @type {any} */ (levels.rep), definitionLevels: /** @type {any} */ (levels.def), maxDefinitionLevel: 1 },
    encoding: "PLAIN",
    codec: "UNCOMPRESSED",
    statistics: false,
  };
}

/** The integer written in `text` from `from` to `to` (digits, maybe a leading minus). */
function intAt(/** @type {string} */ text, /** @type {number} */ from, /** @type {number} */ to) {
  const negative = text.charCodeAt(from) === 45;
  let value = 0;
  for (let i = negative ? from + 1 : from; i < to; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return negative ? -value : value;
}

/**
 * Appends one row group to `writer`: what `ParquetWriter.write` does for one group (hyparquet-writer 0.17's
 * parquet-writer.js), except that a column may bring its own levels (`pageData`) instead of nested rows for
 * the Dremel encoder, its own codec and its own page size. Uses the writer's fields `schema`, `writer`,
 * `codec`, `compressors`, `row_groups`, `num_rows` and `pendingIndexes` — pinned by package-lock.json.
 * @param {ParquetWriter} pw
 * @param {Array<RowGroupColumn & {name: string}>} columns
 * @param {number} rows
 */
function writeRowGroup(pw, columns, rows) {
  const resolve = RESOLVERS.get(pw) ?? schemaPathResolver(pw.schema);
  RESOLVERS.set(pw, resolve);
  const groupStart = pw.writer.offset;
  /** @type {import("hyparquet").ColumnChunk[]} */
  const chunks = [];
  for (const c of columns) {
    for (const leaf of leafPaths(resolve([c.name]))) {
      const schemaPath = leaf.map((node) => node.element);
      const pageData = c.pageData ?? encodeNestedValues(leaf, c.data);
      const result = writeColumn({
        writer: pw.writer,
        column: {
          columnName: schemaPath.slice(1).map((s) => s.name).join("."),
          element: /** @type {import("hyparquet").SchemaElement} */ (schemaPath[schemaPath.length - 1]),
          schemaPath,
          codec: c.codec ?? pw.codec,
          compressors: pw.compressors,
          stats: c.statistics ?? true,
          pageSize: c.pageSize ?? 0,
          columnIndex: false,
          offsetIndex: true,
          encoding: c.encoding,
        },
        pageData,
      });
      chunks.push(result.chunk);
      pw.pendingIndexes.push(result);
    }
  }
  let total_byte_size = 0n;
  for (const { meta_data } of chunks) total_byte_size += meta_data?.total_uncompressed_size ?? 0n;
  pw.num_rows += BigInt(rows);
  pw.row_groups.push({ columns: chunks, total_byte_size, num_rows: BigInt(rows), total_compressed_size: BigInt(pw.writer.offset - groupStart) });
  pw.writer.flush?.();
}

/** @type {WeakMap<ParquetWriter, (path: string[]) => import("hyparquet").SchemaTree[]>} */
const RESOLVERS = new WeakMap();

/** Every path from `path`'s last node down to a leaf (a struct column has one per field). */
function leafPaths(/** @type {import("hyparquet").SchemaTree[]} */ path) {
  const node = /** @type {import("hyparquet").SchemaTree} */ (path[path.length - 1]);
  if (!node.children.length) return [path];
  return node.children.flatMap((child) => leafPaths([...path, child]));
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
