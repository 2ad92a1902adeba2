/**
 * Dataset version `version` as a LeRobotDataset v3.0 directory, packed as one `.tar` (layout, columns and
 * the LeRobot commit it matches: docs/FORMATS.md):
 *
 *   meta/info.json                              features, fps, totals, path templates
 *   meta/stats.json                             min/max/mean/std/count per numeric feature
 *   meta/tasks.parquet                          task_index | task (one task per project)
 *   meta/episodes/chunk-000/file-000.parquet    one row per episode: length, dataset_from/to_index, stats/…
 *   meta/corrective.json                        provenance: project, dataset version, checksum, spaces
 *   data/chunk-000/file-000.parquet             one row per sample, episodes contiguous
 *
 * Streaming: samples are read from the database in pages (sample-pages.ts) and each page is appended to
 * the Parquet files on disk as a row group (hyparquet-writer's incremental writer), so memory holds one
 * page, never the dataset; the `.tar` is then streamed from those files and the folder removed.
 * Episodes are numbered globally in (dataset version, episode) order; rows within by frame index.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { and, eq } from "drizzle-orm";
import { fileWriter, ParquetWriter, type ColumnSource } from "hyparquet-writer";
import tar from "tar-stream";
import { LEROBOT_IMAGE_KEY, LEROBOT_PATHS } from "../../contracts/datasets";
import type { Db } from "../../db/client";
import { datasetVersions, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { projectSpec } from "../projects/project-spec";
import { FeatureStats } from "./feature-stats";
import { dataFeatures, imageShape, infoJson, pandasTaskMetadata, parquetSchema, type LeRobotFeature } from "./lerobot-layout";
import { withRenderedFrames } from "./rendered-frames";
import { firstFrame, sampleRows, type SampleRow } from "./sample-pages";

export interface LeRobotExport {
  stream: ReadableStream<Uint8Array>;
  sampleCount: number;
  checksum: string;
  episodes: number;
}

/**
 * Rows per page (one Parquet row group): writing a page is synchronous, ~10 µs a row for an 8-d state
 * (hyparquet-writer's LIST encoding), so 2,000 rows keep each turn of the event loop near 20 ms.
 * Pages with frames are smaller still: 2,000 100 kB images would be 200 MB.
 */
const PAGE_SIZE = 2000;
const FRAME_PAGE_SIZE = 256;
/** Float columns skip the dictionary attempt (measured: halves the time of a LIST<FLOAT> column). */
const plainEncoding = (f: LeRobotFeature) => f.dtype === "float32" || f.dtype === "float64";

interface EpisodeMeta {
  index: number;
  round: number;
  from: number;
  length: number;
  obs: FeatureStats;
  act: FeatureStats;
}

export async function exportDatasetLeRobot(db: Db, caller: Caller, projectId: string, version: number): Promise<LeRobotExport> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw notFound("Project not found");
  const spec = projectSpec(project);
  const fps = spec.env ? Math.max(1, Math.round(1 / spec.env.dt)) : 10;
  const discrete = spec.actionSpace.type === "discrete";
  const obsDim = spec.observationSpace.type === "box" ? (spec.observationSpace.shape[0] as number) : 1;
  const actDim = spec.actionSpace.type === "box" ? (spec.actionSpace.shape[0] as number) : 1;
  // A built-in env with a camera (CarTrackPixels-v0) stores no frames: its images are rendered from the env state.
  const camera = spec.env?.cameras?.[0] ?? null;
  const frame = camera ? null : await firstFrame(db, projectId, version);
  const image = camera ? ([...camera.shape] as [number, number, number]) : frame ? imageShape(frame) : null;
  const features = dataFeatures({
    obsDim,
    actDim,
    discrete,
    observationNames: spec.env?.observationFields ? [...spec.env.observationFields] : null,
    actionNames: spec.actionSpace.labels ? [...spec.actionSpace.labels] : null,
    image,
  });
  const task = spec.envId ? `${spec.envId}: act like the expert` : project.name;

  const dir = await mkdtemp(join(tmpdir(), "corrective-lerobot-"));
  try {
    const path = (p: string) => join(dir, p);
    await mkdir(dirname(path(LEROBOT_PATHS.data)), { recursive: true });
    await mkdir(dirname(path(LEROBOT_PATHS.episodes)), { recursive: true });

    // data/chunk-000/file-000.parquet, page by page.
    const data = new ParquetWriter({ writer: fileWriter(path(LEROBOT_PATHS.data)), schema: parquetSchema(features, new Set([LEROBOT_IMAGE_KEY])), createdBy: "corrective" });
    const stats = new Map(features.filter(([, f]) => f.dtype !== "string" && f.dtype !== "image").map(([k]) => [k, new FeatureStats()]));
    const episodes: EpisodeMeta[] = [];
    let current = null as (EpisodeMeta & { key: string }) | null;
    let index = 0;
    const pages = sampleRows(db, projectId, version, { withFrames: image !== null && !camera, withEnvState: camera !== null, pageSize: image ? FRAME_PAGE_SIZE : PAGE_SIZE });
    for await (const page of camera ? withRenderedFrames(pages, spec.env!.id, camera.name) : pages) {
      const cols = new Map<string, unknown[]>(features.map(([k]) => [k, []]));
      const push = (k: string, value: unknown) => (cols.get(k) as unknown[]).push(value);
      for (const s of page) {
        const key = `${s.version}:${s.episode}`;
        if (current?.key !== key) {
          current = { key, index: episodes.length, round: s.version, from: index, length: 0, obs: new FeatureStats(), act: new FeatureStats() };
          episodes.push(current);
        }
        current.length++;
        const act = Array.isArray(s.action) ? s.action : [s.action];
        const row = rowValues(s, act, current.index, index, fps);
        for (const [k, f] of features) {
          const value = row[k];
          push(k, columnValue(f, value));
          stats.get(k)?.add(toNumbers(value));
        }
        current.obs.add(s.observation);
        current.act.add(act);
        index++;
      }
      await data.write({ columnData: features.map(([name, f]) => ({ name, data: cols.get(name) as ColumnSource["data"], nullable: f.dtype === "image", ...(plainEncoding(f) ? { encoding: "PLAIN" as const } : {}) })), rowGroupSize: page.length });
    }
    await data.finish();

    await writeEpisodes(path(LEROBOT_PATHS.episodes), episodes, task);
    await writeTasks(path(LEROBOT_PATHS.tasks), task);
    await writeFile(path(LEROBOT_PATHS.info), JSON.stringify(infoJson({ fps, robotType: spec.envId ?? "external", episodes: episodes.length, frames: index, features }), null, 2));
    await writeFile(path(LEROBOT_PATHS.stats), JSON.stringify(Object.fromEntries([...stats].map(([k, s]) => [k, s.toJSON()])), null, 2));
    const counts = v.counts as { bySource?: Record<string, number> };
    await writeFile(
      path("meta/corrective.json"),
      JSON.stringify({ projectId, projectName: project.name, datasetVersion: version, sampleCount: v.sampleCount, checksum: v.checksum, bySource: counts.bySource ?? {}, observationSpace: spec.observation, actionSpace: spec.actionSpace }, null, 2),
    );
    const files = [LEROBOT_PATHS.info, LEROBOT_PATHS.stats, LEROBOT_PATHS.tasks, LEROBOT_PATHS.episodes, "meta/corrective.json", LEROBOT_PATHS.data];
    return { stream: tarStream(dir, files), sampleCount: v.sampleCount, checksum: v.checksum, episodes: episodes.length };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function rowValues(s: SampleRow, act: number[], episode: number, index: number, fps: number): Record<string, unknown> {
  return {
    "observation.state": s.observation,
    [LEROBOT_IMAGE_KEY]: s.frame ? { bytes: new Uint8Array(s.frame.buffer, s.frame.byteOffset, s.frame.byteLength), path: null } : null,
    action: act,
    timestamp: s.frameIndex / fps,
    frame_index: s.frameIndex,
    episode_index: episode,
    index,
    task_index: 0,
    "corrective.source": s.source,
    "corrective.round": s.version,
    "corrective.labellers": s.labelCount ?? 0,
    "corrective.agreement": s.agreement ?? Number.NaN,
    "corrective.state_id": s.stateId ?? "",
    // The exact values as JSON `[observation, action]`: float32 columns round them, and a float64 LIST
    // column costs as much to write as the float32 one (bench:export), a string column almost nothing.
    "corrective.exact": JSON.stringify([s.observation, s.action]),
  };
}

/** A value as its Parquet column holds it: int64 as bigint, a `[1]`-shaped vector as its one element. */
function columnValue(f: LeRobotFeature, value: unknown): unknown {
  if (f.dtype === "image" || f.dtype === "string") return value;
  const scalar = f.shape.length === 1 && f.shape[0] === 1;
  const v = scalar && Array.isArray(value) ? value[0] : value;
  if (f.dtype === "int64") return Array.isArray(v) ? v.map((x) => BigInt(Math.round(x as number))) : BigInt(Math.round(v as number));
  return v;
}

const toNumbers = (value: unknown): number[] => (Array.isArray(value) ? (value as number[]) : typeof value === "number" ? [value] : []);

async function writeEpisodes(file: string, episodes: EpisodeMeta[], task: string): Promise<void> {
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
  const writer = new ParquetWriter({ writer: fileWriter(file), schema: fullSchema, createdBy: "corrective" });
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
    await writer.write({ columnData: columns, rowGroupSize: Math.max(page.length, 1) });
  }
  await writer.finish();
}

async function writeTasks(file: string, task: string): Promise<void> {
  const writer = new ParquetWriter({
    writer: fileWriter(file),
    schema: parquetSchema([
      ["task_index", { dtype: "int64", shape: [1], names: null }],
      ["task", { dtype: "string", shape: [1], names: null }],
    ]),
    kvMetadata: [{ key: "pandas", value: pandasTaskMetadata() }],
    createdBy: "corrective",
  });
  await writer.write({ columnData: [{ name: "task_index", data: [0n] }, { name: "task", data: [task] }] });
  await writer.finish();
}

/** Streams the files as one tar, then removes the folder (also when the download is cancelled). */
function tarStream(dir: string, files: readonly string[]): ReadableStream<Uint8Array> {
  const pack = tar.pack();
  const cleanup = () => rm(dir, { recursive: true, force: true });
  void (async () => {
    try {
      const mtime = new Date();
      for (const name of files) {
        const { size } = await stat(join(dir, name));
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ name, size, mode: 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
          const source = createReadStream(join(dir, name));
          source.on("error", reject);
          source.pipe(entry as unknown as NodeJS.WritableStream);
        });
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  const chunks = pack[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
        if (done) {
          controller.close();
          await cleanup();
        } else controller.enqueue(new Uint8Array(value));
      } catch (err) {
        await cleanup();
        controller.error(err);
      }
    },
    async cancel() {
      pack.destroy();
      await cleanup();
    },
  });
}
