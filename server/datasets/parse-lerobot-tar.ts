/**
 * Reading a LeRobot dataset packed as a `.tar` (what `format=lerobot` exports): v3.0 (`data/chunk-NNN/
 * file-NNN.parquet`) or v2.x (`data/chunk-NNN/episode_NNNNNN.parquet`), with `meta/info.json`. Rows are read in
 * pages of {@link ROW_PAGE} with hyparquet and mapped to the project's spaces:
 * `observation.state` → observation, `action` → action (`[a]` or `a` for a discrete space), episode and
 * frame indices kept, source `import` — unless the file is a Corrective export, whose `corrective.exact`
 * (JSON `[observation, action]`) and `corrective.source` columns carry the exact values and the source
 * (so the checksum survives the round trip). For a project whose observations are a `Dict`, each camera's
 * `observation.images.<camera>` PNGs come with the samples (lerobot-camera-columns.ts).
 *
 * The upload is unpacked as it arrives, its Parquet files spooled to disk ({@link spoolTar}). The archive and
 * the Parquet metadata are checked up front; the rows are validated as they are read for the insert — by a
 * worker thread (`rows()`, import-rows-worker.ts) or, with cameras, by `pages()` in this thread — one pass, at
 * most one page of samples in memory as objects — and the first bad row
 * throws a 422 naming it (`data/chunk-000/file-000.parquet row 17: action …`), upon which the import
 * deletes what it staged (import-dataset.ts: nothing was visible). Reading everything twice, to validate
 * first, doubled the import's CPU and garbage (bench:export).
 */
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type ColumnData, type Compressors, type FileMetaData } from "hyparquet";
import tar from "tar-stream";
import { z, type ZodError } from "zod";
import { LEROBOT_IMPORT_VERSIONS, LEROBOT_PATHS, SAMPLE_LIMITS, SOURCE_RE, ZLeRobotInfo, ZLeRobotRow, type TLeRobotRow } from "../../contracts/datasets";
import { createYielder, yieldToEventLoop } from "../batching/cooperative";
import type { TObservationSpace } from "../../contracts/spaces";
import { cameraColumns, checkCameraSchema, IMAGE_ROW_PAGE, takeCameraImages, type CameraColumn } from "./lerobot-camera-columns";
import { badLine, checkSample, isCount, isVector, MAX_IMPORT_SAMPLES, type Spaces } from "./parse-dataset-file";
import type { ImportRowsFile } from "../../contracts/import-rows-protocol";
import { startImportRows, type ImportRows } from "./import-rows";
import type { DatasetSampleInput } from "./write-version";

/**
 * The most samples validated and staged at once (one page); a row group is decoded column by column, once, and
 * cut into pages of this size (one row group of Corrective's export is 5,000 rows). Validation gives way to
 * other requests every ~10 ms (server/batching/cooperative.ts).
 */
export const ROW_PAGE = 5000;

/**
 * Codecs beyond hyparquet's built-in Snappy: GZIP (what Corrective's export writes, and a pyarrow option),
 * through Node's native zlib.
 */
const COMPRESSORS: Compressors = { GZIP: (input) => new Uint8Array(gunzipSync(input)) };

const COLUMNS = ["observation.state", "action", "episode_index", "frame_index", "corrective.source", "corrective.exact"] as const;

export interface LeRobotSource {
  codebaseVersion: string;
  /** Rows of the data files, from their Parquet metadata. */
  samples: number;
  /** Distinct episodes among the rows `pages()` has read so far (all of them once it is done). */
  readonly episodes: number;
  pages(): AsyncGenerator<DatasetSampleInput[]>;
  /**
   * The same rows read and validated by a worker thread, as insert JSON (import-rows.ts) — what an import
   * uses; null for a project with cameras (their images are staged as frames in this thread: `pages()`).
   */
  rows: (() => Promise<ImportRows>) | null;
  /** Deletes the spooled files (after the import, whether it succeeded or not). */
  dispose(): Promise<void>;
}

const zodProblem = (err: ZodError) => {
  const issue = err.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` : "invalid";
};

/** Where the top folder of a LeRobot directory starts (one top folder holding `meta/` is allowed), or "". */
function rootOf(paths: Iterable<string>): string {
  for (const p of paths) if (p.endsWith(LEROBOT_PATHS.info)) return p.slice(0, -LEROBOT_PATHS.info.length);
  return "";
}

/**
 * The tar's regular files by path (a leading `./` or one top folder holding `meta/` is dropped), all in memory —
 * for tests and small archives; an import spools its upload instead ({@link spoolTar}).
 */
export async function untar(body: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  await extractTar([body], async (name, stream) => {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    files.set(name, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
  const root = rootOf(files.keys());
  if (root === "") return files;
  return new Map([...files].filter(([p]) => p.startsWith(root)).map(([p, b]) => [p.slice(root.length), b]));
}

/**
 * Feeds `body`'s chunks to tar-stream as they arrive (waiting when it asks to) and hands each regular file's
 * stream to `onFile`, one at a time. A broken archive is a 422; an error of the body itself (a 413 for an
 * upload over the limit) passes through as it is.
 */
async function extractTar(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onFile: (name: string, stream: AsyncIterable<unknown>) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  let failed: unknown = null;
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^\.\//, "");
      (header.type === "file" ? onFile(name, stream) : skip(stream)).then(
        () => next(),
        (err: unknown) => {
          failed ??= err;
          stream.resume();
          next(err as Error);
        },
      );
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  // Observed below; until then an archive that breaks while the body still streams stops the feeding.
  let over = false;
  const settled = done.then(
    () => void (over = true),
    () => void (over = true),
  );
  try {
    for await (const chunk of body) {
      if (over || failed) break;
      if (!extract.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) await Promise.race([new Promise<void>((r) => extract.once("drain", () => r())), settled]);
    }
    (extract as unknown as { end: () => void }).end(); // its types ask for a last chunk; there is none
  } catch (err) {
    extract.destroy(err as Error);
    throw err;
  }
  try {
    await done;
  } catch (err) {
    throw failed ?? badLine("archive", `not a readable .tar (${(err as Error).message})`);
  }
  if (failed) throw failed;
}

async function skip(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // read past the entry: a folder or a link carries nothing the import uses
  }
}

/** JSON metadata files (`meta/info.json` …) are kept in memory up to this size each; other files are skipped. */
const MAX_META_FILE_BYTES = 4 * 1024 * 1024;

/**
 * An import's `.tar`, spooled as it arrives: Parquet files written to a private temporary folder under `dir`
 * (DATA_DIR in the server), the small JSON metadata files kept in memory, nothing else kept (videos, images).
 * The upload is never held whole by the import: it takes a chunk, writes it, takes the next (Next.js's request
 * stream may still queue what has arrived and not yet been read: the upload comes over the network no faster
 * than it is written to disk, as a rule). `dispose()` deletes the folder (the import calls it when done, on
 * success and on failure).
 */
export interface SpooledTar {
  meta: Map<string, Uint8Array>;
  parquet: Map<string, { file: string; size: number }>;
  dispose(): Promise<void>;
}

export async function spoolTar(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, dir: string): Promise<SpooledTar> {
  await mkdir(dir, { recursive: true });
  const folder = await mkdtemp(join(dir, "import-"));
  const meta = new Map<string, Uint8Array>();
  const parquet = new Map<string, { file: string; size: number }>();
  const dispose = () => rm(folder, { recursive: true, force: true });
  let seen = 0;
  try {
    await extractTar(body, async (name, stream) => {
      if (name.endsWith(".parquet")) {
        const file = join(folder, `${seen++}.parquet`);
        let size = 0;
        await pipeline(
          stream as AsyncIterable<Buffer>,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const c of source) {
              size += c.byteLength;
              yield c;
            }
          },
          createWriteStream(file),
        );
        parquet.set(name, { file, size });
        return;
      }
      if (!/\.jsonl?$/.test(name)) return skip(stream);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of stream) {
        size += (c as Buffer).byteLength;
        if (size <= MAX_META_FILE_BYTES) chunks.push(c as Buffer);
      }
      if (size <= MAX_META_FILE_BYTES) meta.set(name, Buffer.concat(chunks));
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  const root = rootOf(meta.keys());
  const strip = <T>(m: Map<string, T>) => new Map([...m].filter(([p]) => p.startsWith(root)).map(([p, v]) => [p.slice(root.length), v] as const));
  return { meta: root ? strip(meta) : meta, parquet: root ? strip(parquet) : parquet, dispose };
}

/**
 * hyparquet's AsyncBuffer over a spooled file: each `slice` reads those bytes from disk (the import reads each
 * column chunk once: {@link parquetSamplePages}).
 */
async function fileBuffer(path: string, size: number): Promise<AsyncBuffer & { close: () => Promise<void> }> {
  const handle = await open(path, "r");
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const stop = Math.min(size, end ?? size);
      const out = new Uint8Array(Math.max(0, stop - start));
      for (let at = 0; at < out.byteLength; ) {
        const { bytesRead } = await handle.read(out, at, out.byteLength - at, start + at);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + at}`);
        at += bytesRead;
      }
      return out.buffer;
    },
    close: () => handle.close(),
  };
}

/** What an import reads from: a body (bytes, or chunks as they arrive) and where it may spool it. */
export interface LeRobotUpload {
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** A folder for the spooled Parquet files (the server's DATA_DIR/tmp); the OS's temporary folder by default. */
  spoolDir?: string;
}

/** The project the rows are for: its spaces, and (for a `Dict` observation of an external project) its cameras, read from `observation.images.<camera>`. */
export type ImportSpaces = Spaces & { observation?: TObservationSpace; envId?: string | null };

export async function openLeRobotTar(upload: LeRobotUpload, spaces: ImportSpaces): Promise<LeRobotSource> {
  const spooled = await spoolTar(guardSize(upload.body), upload.spoolDir ?? tmpdir());
  try {
    return await openSpooled(spooled, spaces);
  } catch (err) {
    await spooled.dispose();
    throw err;
  }
}

/** Too short to be a tar (a tar has at least one 512-byte block): the error the import has always given. */
async function* guardSize(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let size = 0;
  const held: Uint8Array[] = [];
  for await (const chunk of body) {
    if (size >= 512) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    size += chunk.byteLength;
    if (size >= 512) {
      yield* held;
      held.length = 0;
    }
  }
  if (size < 512) throw badLine("archive", "not a .tar (LeRobot imports are the .tar that format=lerobot exports)");
}

async function openSpooled(spooled: SpooledTar, spaces: ImportSpaces): Promise<LeRobotSource> {
  const infoBytes = spooled.meta.get(LEROBOT_PATHS.info);
  if (!infoBytes) throw badLine(LEROBOT_PATHS.info, "meta/info.json is missing");
  let infoJson: unknown;
  try {
    infoJson = JSON.parse(new TextDecoder().decode(infoBytes));
  } catch {
    throw badLine(LEROBOT_PATHS.info, "not valid JSON");
  }
  const info = ZLeRobotInfo.safeParse(infoJson);
  if (!info.success) throw badLine(LEROBOT_PATHS.info, zodProblem(info.error));
  const version = info.data.codebase_version;
  if (!(LEROBOT_IMPORT_VERSIONS as readonly string[]).includes(version)) {
    throw badLine(LEROBOT_PATHS.info, `codebase_version ${version} is not supported; use ${LEROBOT_IMPORT_VERSIONS.join(", ")}`);
  }
  for (const key of ["observation.state", "action"]) {
    if (!info.data.features[key]) throw badLine(LEROBOT_PATHS.info, `features has no "${key}"`);
  }
  const cameras = cameraColumns(spaces, info.data);
  const dataFiles = [...spooled.parquet.keys()].filter((p) => /^data\/.+\.parquet$/.test(p)).sort();
  if (dataFiles.length === 0) throw badLine("data/", "no Parquet data files (data/chunk-XXX/file-YYY.parquet or episode_YYYYYY.parquet)");
  const metas = new Map<string, FileMetaData>();
  for (const path of dataFiles) {
    const { file, size } = spooled.parquet.get(path) as { file: string; size: number };
    const buffer = await fileBuffer(file, size);
    try {
      metas.set(path, await parquetMetadataAsync(buffer));
    } catch (err) {
      throw badLine(path, `not a Parquet file (${(err as Error).message})`);
    } finally {
      await buffer.close();
    }
    checkCameraSchema(path, new Set((metas.get(path) as FileMetaData).schema.map((s) => s.name)), cameras);
  }

  const files: ImportRowsFile[] = dataFiles.map((path) => ({ path, ...(spooled.parquet.get(path) as { file: string; size: number }) }));
  const episodes = new Set<number>();
  const pages = () => dataFilePages(files, spaces, episodes, cameras, metas);

  const samples = dataFiles.reduce((n, path) => n + Number((metas.get(path) as FileMetaData).num_rows), 0);
  if (samples > MAX_IMPORT_SAMPLES) throw badLine("data/", `more than ${MAX_IMPORT_SAMPLES} samples`);
  if (samples === 0) throw badLine(dataFiles[0] as string, "the dataset has no rows");
  return {
    codebaseVersion: version,
    samples,
    get episodes() {
      return episodes.size;
    },
    pages,
    rows: cameras.length
      ? null
      : () => startImportRows({ format: "lerobot", files, spaces: { observationSpace: spaces.observationSpace, actionSpace: spaces.actionSpace } }),
    dispose: spooled.dispose,
  };
}

/**
 * The samples of spooled data files in order, page by page ({@link parquetSamplePages}), each file opened for
 * its turn only; each sample's episode is added to `episodes`. `metas` holds the files' Parquet metadata where
 * it has been read already (else it is read here). Read in this thread (with cameras) and by the import's
 * worker (import-rows-worker.ts).
 */
export async function* dataFilePages(files: readonly ImportRowsFile[], spaces: Spaces, episodes: Set<number>, cameras: readonly CameraColumn[] = [], metas?: ReadonlyMap<string, FileMetaData>): AsyncGenerator<DatasetSampleInput[]> {
  for (const { path, file, size } of files) {
    const buffer = await fileBuffer(file, size);
    try {
      for await (const page of parquetSamplePages(path, buffer, metas?.get(path) ?? (await parquetMetadataAsync(buffer)), spaces, cameras)) {
        for (const sample of page) episodes.add(sample.episode);
        yield page;
      }
    } finally {
      await buffer.close();
    }
  }
}

/**
 * The samples of one Parquet data file, in pages of at most {@link ROW_PAGE} rows ({@link IMAGE_ROW_PAGE} with
 * camera columns), validated as they are built; each sample carries its cameras' PNG bytes when `cameras` are given.
 *
 * Each column chunk is read and decoded ONCE per row group, then cut into pages: hyparquet decodes a column
 * chunk in full for any row range inside it (a list column such as `observation.state` always; a flat one up
 * to the range's end) and reads its bytes whole, so decoding a 1M-row pyarrow group 5,000 rows at a time read
 * and decoded it 200 times (quadratic). Memory: one row group's decoded columns (Corrective's export writes
 * groups of 5,000 rows, ~0.5 MiB decoded for an 8-d state; a foreign 1M-row group of an 8-d state ~100 MiB),
 * each decoded chunk released as soon as the pages have passed it, plus one page of samples.
 */
export async function* parquetSamplePages(path: string, file: AsyncBuffer, metadata: FileMetaData, spaces: Spaces, cameras: readonly CameraColumn[] = []): AsyncGenerator<DatasetSampleInput[]> {
  const maybeYield = createYielder();
  const present = new Set(metadata.schema.map((s) => s.name));
  const columns: string[] = [...COLUMNS.filter((c) => present.has(c)), ...cameras.map((c) => c.column)];
  const binary = new Set(cameras.map((c) => c.column));
  const pageRows = cameras.length ? IMAGE_ROW_PAGE : ROW_PAGE;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const cursors: ColumnCursor[] = [];
    for (const column of columns) {
      // One column at a time, with a turn of the event loop after each: a group of six columns decoded in
      // one go was the longest stall of an import.
      const chunks: ColumnData[] = [];
      // Image bytes stay bytes (hyparquet decodes an unannotated BYTE_ARRAY as text unless told not to).
      await parquetRead({ file, metadata, compressors: COMPRESSORS, columns: [column], rowStart: groupStart, rowEnd: groupEnd, utf8: !binary.has(column), onChunk: (c) => void chunks.push(c) });
      cursors.push(new ColumnCursor(column, chunks));
      await yieldToEventLoop();
    }
    for (let start = groupStart; start < groupEnd; start += pageRows) {
      const end = Math.min(groupEnd, start + pageRows);
      const page: DatasetSampleInput[] = new Array(end - start);
      for (let row = start; row < end; row++) {
        const raw: Record<string, unknown> = {};
        for (const cursor of cursors) raw[cursor.column] = cursor.at(row);
        const where = `${path} row ${row + 1}`;
        const images = cameras.length ? takeCameraImages(where, raw, cameras) : null;
        const sample = toSample(where, raw, spaces);
        if (images) sample.images = images;
        page[row - start] = sample;
        if ((row - start) % 64 === 0) await maybeYield();
      }
      yield page;
      await yieldToEventLoop();
    }
    groupStart = groupEnd;
  }
}

/** A decoded column of one row group, read row by row in increasing order; chunks behind the reader are let go. */
class ColumnCursor {
  private index = 0;
  constructor(
    readonly column: string,
    private readonly chunks: Array<ColumnData | undefined>,
  ) {
    chunks.sort((a, b) => (a as ColumnData).rowStart - (b as ColumnData).rowStart);
  }

  at(row: number): unknown {
    for (;;) {
      const chunk = this.chunks[this.index];
      if (!chunk) return undefined;
      if (row < chunk.rowEnd) return row >= chunk.rowStart ? chunk.columnData[row - chunk.rowStart] : undefined;
      this.chunks[this.index++] = undefined;
    }
  }
}

/** Parquet values as JSON-like ones: bigint → number, typed arrays → arrays, a scalar → `[x]` for vectors. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) {
    // A decoded list of plain numbers (the usual case) is used as it is, not copied.
    for (const x of value) if (typeof x !== "number") return value.map(plain);
    return value;
  }
  return value;
}

const VECTORS = new Set(["observation.state", "action"]);


/**
 * ZLeRobotRow's result for a row that plainly satisfies it, checked without zod; null sends the row to zod, which
 * decides and words the problem. Why: zod's parse was ~40% of what a 100k-sample import allocated (0.5 of
 * 1.15 GB, a sampling heap profile in-process), garbage that V8 promoted and collected late (the RSS peak).
 */
function plainRow(row: Record<string, unknown>): TLeRobotRow | null {
  if (!isVector(row["observation.state"], SAMPLE_LIMITS.observation) || !isVector(row.action, SAMPLE_LIMITS.action) || !isCount(row.episode_index) || !isCount(row.frame_index)) return null;
  const source = row["corrective.source"];
  if (source != null && !(typeof source === "string" && source.length >= 1 && source.length <= SAMPLE_LIMITS.sourceLength && SOURCE_RE.test(source))) return null;
  const exact = row["corrective.exact"];
  if (exact != null && !(typeof exact === "string" && exact.length <= SAMPLE_LIMITS.exactLength)) return null;
  return { ...row, episode_index: (row.episode_index as number | undefined) ?? 0, frame_index: (row.frame_index as number | undefined) ?? 0 } as TLeRobotRow;
}

function toSample(where: string, row: Record<string, unknown>, spaces: Spaces): DatasetSampleInput {
  for (const k in row) {
    const p = plain(row[k]);
    row[k] = VECTORS.has(k) && typeof p === "number" ? [p] : p;
  }
  let checked = plainRow(row);
  if (!checked) {
    const parsed = ZLeRobotRow.safeParse(row);
    if (!parsed.success) throw badLine(where, zodProblem(parsed.error));
    checked = parsed.data;
  }
  const r = checked;
  const exact = r["corrective.exact"] ? parseExact(where, r["corrective.exact"]) : null;
  const observation = exact?.[0] ?? r["observation.state"];
  const vector = exact ? (Array.isArray(exact[1]) ? exact[1] : [exact[1]]) : r.action;
  let action: number | number[] = vector;
  if (spaces.actionSpace.type === "discrete") {
    if (vector.length !== 1) throw badLine(where, `action must be [a] for a discrete action space, got ${vector.length} elements`);
    action = vector[0] as number;
  }
  checkSample(spaces, where, observation, action);
  return { stateId: null, observation, action, source: r["corrective.source"] ?? "import", episode: r.episode_index, frameIndex: r.frame_index };
}

const ZExact = z.tuple([z.array(z.number().finite()).min(1).max(SAMPLE_LIMITS.observation), z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(SAMPLE_LIMITS.action)])]);

function parseExact(where: string, text: string): z.infer<typeof ZExact> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badLine(where, "corrective.exact: not valid JSON");
  }
  if (Array.isArray(json) && json.length === 2 && isVector(json[0], 65_536) && ((typeof json[1] === "number" && Number.isFinite(json[1])) || isVector(json[1], 4096))) {
    return json as z.infer<typeof ZExact>;
  }
  const parsed = ZExact.safeParse(json);
  if (!parsed.success) throw badLine(where, `corrective.exact: ${zodProblem(parsed.error)}`);
  return parsed.data;
}
