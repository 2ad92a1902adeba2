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
 * The archive and the Parquet metadata are checked up front; the rows are validated as `pages()` reads
 * them for the insert — one pass, at most one page of samples in memory as objects — and the first bad row
 * throws a 422 naming it (`data/chunk-000/file-000.parquet row 17: action …`), upon which the import
 * deletes what it staged (import-dataset.ts: nothing was visible). Reading everything twice, to validate
 * first, doubled the import's CPU and garbage (bench:export).
 */
import { gunzipSync } from "node:zlib";
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type Compressors, type FileMetaData } from "hyparquet";
import tar from "tar-stream";
import { z, type ZodError } from "zod";
import { LEROBOT_IMPORT_VERSIONS, LEROBOT_PATHS, ZLeRobotInfo, ZLeRobotRow } from "../../contracts/datasets";
import { createYielder, yieldToEventLoop } from "../batching/cooperative";
import type { TObservationSpace } from "../../contracts/spaces";
import { cameraColumns, checkCameraSchema, IMAGE_ROW_PAGE, takeCameraImages } from "./lerobot-camera-columns";
import { badLine, checkSample, MAX_IMPORT_SAMPLES, type Spaces } from "./parse-dataset-file";
import type { DatasetSampleInput } from "./write-version";

/**
 * The most rows decoded at once (one row group of Corrective's export is 5,000); validation then gives way
 * to other requests every ~10 ms (server/batching/cooperative.ts).
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
}

const zodProblem = (err: ZodError) => {
  const issue = err.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` : "invalid";
};

/**
 * The tar's regular files by path (a leading `./` or one top folder holding `meta/` is dropped), as views into
 * `body` where the extractor hands a file over in one piece (it does for a buffer).
 */
export async function untar(body: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => void chunks.push(c as Buffer));
      stream.on("end", () => {
        // One chunk (what extracting a buffer gives) is a view into the body: no copy of the archive.
        if (header.type === "file") files.set(header.name.replace(/^\.\//, ""), chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
        next();
      });
      stream.on("error", reject);
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    await done;
  } catch (err) {
    throw badLine("archive", `not a readable .tar (${(err as Error).message})`);
  }
  const root = [...files.keys()].find((p) => p.endsWith(LEROBOT_PATHS.info))?.slice(0, -LEROBOT_PATHS.info.length) ?? "";
  if (root === "") return files;
  return new Map([...files].filter(([p]) => p.startsWith(root)).map(([p, b]) => [p.slice(root.length), b]));
}

/**
 * `spaces.observation`, when a `Dict` (cameras and `state`) of an external project, makes the import read each
 * camera's `observation.images.<camera>` column too (lerobot-camera-columns.ts); `observation.state` is then the
 * `state`.
 */
export async function openLeRobotTar(body: Uint8Array, spaces: Spaces & { observation?: TObservationSpace; envId?: string | null }): Promise<LeRobotSource> {
  if (body.byteLength < 512) throw badLine("archive", "not a .tar (LeRobot imports are the .tar that format=lerobot exports)");
  const files = await untar(body);
  const infoBytes = files.get(LEROBOT_PATHS.info);
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
  const dataFiles = [...files.keys()].filter((p) => /^data\/.+\.parquet$/.test(p)).sort();
  if (dataFiles.length === 0) throw badLine("data/", "no Parquet data files (data/chunk-XXX/file-YYY.parquet or episode_YYYYYY.parquet)");
  const metas = new Map<string, FileMetaData>();
  for (const path of dataFiles) {
    const bytes = files.get(path) as Uint8Array;
    try {
      metas.set(path, await parquetMetadataAsync(toArrayBuffer(bytes)));
    } catch (err) {
      throw badLine(path, `not a Parquet file (${(err as Error).message})`);
    }
    checkCameraSchema(path, new Set((metas.get(path) as FileMetaData).schema.map((s) => s.name)), cameras);
  }

  const episodes = new Set<number>();
  async function* pages(): AsyncGenerator<DatasetSampleInput[]> {
    const maybeYield = createYielder();
    for (const path of dataFiles) {
      const file = toArrayBuffer(files.get(path) as Uint8Array);
      const metadata = metas.get(path) as FileMetaData;
      const present = new Set(metadata.schema.map((s) => s.name));
      const columns: string[] = [...COLUMNS.filter((c) => present.has(c)), ...cameras.map((c) => c.column)];
      const binary = new Set(cameras.map((c) => c.column));
      for (const [start, end] of readRanges(metadata, cameras.length ? IMAGE_ROW_PAGE : ROW_PAGE)) {
        // Column by column, with a turn of the event loop after each: a 5,000-row group of six columns
        // decoded in one go was the longest stall of an import.
        const objects: Array<Record<string, unknown>> = Array.from({ length: end - start }, () => ({}));
        for (const column of columns) {
          // Image bytes stay bytes (hyparquet decodes an unannotated BYTE_ARRAY as text unless told not to).
          const values = await parquetReadObjects({ file, metadata, compressors: COMPRESSORS, columns: [column], rowStart: start, rowEnd: end, utf8: !binary.has(column) });
          for (let i = 0; i < values.length && i < objects.length; i++) (objects[i] as Record<string, unknown>)[column] = (values[i] as Record<string, unknown>)[column];
          await yieldToEventLoop();
        }
        const page: DatasetSampleInput[] = new Array(objects.length);
        for (let i = 0; i < objects.length; i++) {
          const where = `${path} row ${start + i + 1}`;
          const row = objects[i] as Record<string, unknown>;
          const images = cameras.length ? takeCameraImages(where, row, cameras) : null;
          const sample = toSample(where, row, spaces);
          if (images) sample.images = images;
          episodes.add(sample.episode);
          page[i] = sample;
          if (i % 64 === 0) await maybeYield();
        }
        yield page;
        await yieldToEventLoop();
      }
    }
  }

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
  };
}

/**
 * Row ranges to decode one at a time: whole row groups (hyparquet decodes a row group's column chunks in
 * full for any range inside it, so a range that splits a group decodes it again), a group larger than
 * `pageRows` rows ({@link ROW_PAGE}; {@link IMAGE_ROW_PAGE} with images) cut into slices of that size
 * (memory stays bounded; pyarrow writes groups of up to a million rows).
 */
function readRanges(metadata: FileMetaData, pageRows = ROW_PAGE): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    for (let at = start; at < end; at += pageRows) ranges.push([at, Math.min(end, at + pageRows)]);
    start = end;
  }
  return ranges;
}

/** hyparquet's AsyncBuffer over the extracted bytes, without copying the whole file (only the slices it reads). */
function toArrayBuffer(bytes: Uint8Array): AsyncBuffer {
  return { byteLength: bytes.byteLength, slice: (start: number, end?: number) => bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + (end ?? bytes.byteLength)) as ArrayBuffer };
}

/** Parquet values as JSON-like ones: bigint → number, typed arrays → arrays, a scalar → `[x]` for vectors. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

const VECTORS = new Set(["observation.state", "action"]);

function toSample(where: string, raw: Record<string, unknown>, spaces: Spaces): DatasetSampleInput {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const p = plain(v);
    row[k] = VECTORS.has(k) && typeof p === "number" ? [p] : p;
  }
  const parsed = ZLeRobotRow.safeParse(row);
  if (!parsed.success) throw badLine(where, zodProblem(parsed.error));
  const r = parsed.data;
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

const ZExact = z.tuple([z.array(z.number().finite()).min(1).max(65_536), z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)])]);

function parseExact(where: string, text: string): z.infer<typeof ZExact> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badLine(where, "corrective.exact: not valid JSON");
  }
  const parsed = ZExact.safeParse(json);
  if (!parsed.success) throw badLine(where, `corrective.exact: ${zodProblem(parsed.error)}`);
  return parsed.data;
}
