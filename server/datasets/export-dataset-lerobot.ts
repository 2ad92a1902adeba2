/**
 * Dataset version `version` as a LeRobotDataset v3.0 directory, packed as one `.tar` (layout, columns and
 * the LeRobot commit it matches: docs/FORMATS.md):
 *
 *   meta/info.json                              features, fps, totals, path templates
 *   meta/stats.json                             min/max/mean/std/count per numeric feature; per channel per image feature
 *   meta/tasks.parquet                          task_index | task (one task per project)
 *   meta/episodes/chunk-000/file-000.parquet    one row per episode: length, dataset_from/to_index, stats/…
 *   meta/corrective.json                        provenance: project, dataset version, checksum, spaces
 *   data/chunk-000/file-000.parquet             one row per sample, episodes contiguous
 *
 * Streaming: samples are read from the database in pages (sample-pages.ts) and each page is appended to
 * the Parquet files on disk as a row group (hyparquet-writer's incremental writer) by a worker thread
 * (lerobot-data-writer.mjs: the encoding is CPU work that would otherwise stall every other request), so
 * memory holds two pages, never the dataset; the `.tar` is then streamed from those files and the folder
 * removed.
 * Episodes are numbered globally in (dataset version, episode) order; rows within by frame index.
 */
import { createReadStream, existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { and, eq } from "drizzle-orm";
import { Worker } from "node:worker_threads";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import tar from "tar-stream";
import { LEROBOT_IMAGE_KEY, LEROBOT_PATHS, lerobotCameraKey } from "../../contracts/datasets";
import { stateDim } from "../../contracts/spaces";
import { ZWriterReply, type DataWriterOptions, type DataWriterSummary, type SamplePage, type WriterReply, type WriterRequest } from "../../contracts/dataset-writer-protocol";
import type { Db } from "../../db/client";
import { datasetVersions, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { withTightHeap } from "../heap-growth";
import { workerChannel } from "../worker-channel";
import { observationCameras } from "../blobs/observation-images";
import { projectSpec, type ProjectSpec } from "../projects/project-spec";
import { dataFeatures, EPISODE_STAT_COLUMNS, episodesSchema, imageShape, infoJson, pandasTaskMetadata, parquetSchema } from "./lerobot-layout";
import { renderedFramePng } from "./rendered-frames";
import { firstFrame, samplePages, type FrameColumn } from "./sample-pages";

export interface LeRobotExport {
  stream: ReadableStream<Uint8Array>;
  sampleCount: number;
  checksum: string;
  episodes: number;
}

/**
 * Rows per page (one Parquet row group). The pages are encoded in a worker thread, so their size only
 * weighs on this thread through the query's rows (~5 ms per 5,000 on PostgreSQL); pages with frames are
 * smaller (5,000 100 kB images would be 500 MB).
 */
const PAGE_SIZE = 5000;
const FRAME_PAGE_SIZE = 256;
/**
 * The worker's heap: a small young generation makes it collect each page's garbage promptly instead of
 * letting the process grow (the goal: ≤ 100 MiB RSS growth during a 100k export).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };
/** Pages sent to the worker and not yet written: one being encoded while the next is fetched. */
const IN_FLIGHT = 2;
/**
 * About how many images per camera `stats.json`'s image statistics decode (every k-th row's): LeRobot samples
 * too (compute_stats.py: 100 to 10,000 per episode); 1,000 64×64 PNGs decode in well under a second.
 */
const IMAGE_STATS_SAMPLES = 1000;

/** The export's image columns (features with their shapes) and where {@link samplePages} gets their bytes. */
interface ImageColumns {
  features: Array<readonly [string, readonly [number, number, number]]>;
  source: { frames?: FrameColumn[]; renderFrames?: (envState: number[]) => Uint8Array[] };
}

/**
 * A `Dict` observation exports every camera as `observation.images.<camera>` (LeRobot's naming), in
 * `cameraKeys` order: a built-in camera env's rendered from each state's env state (CarTrackPixels-v0 stores
 * no frames), an external project's the frames uploaded per camera. A vector project whose states carry a
 * picture for people exports it as `observation.image`, its shape from the first frame's header.
 */
async function imageColumns(db: Db, spec: ProjectSpec, projectId: string, version: number): Promise<ImageColumns> {
  const cameras = observationCameras(spec.observation);
  if (cameras.length > 0) {
    const features = cameras.map((c) => [lerobotCameraKey(c.name), c.shape] as const);
    const env = spec.env;
    if (env) return { features, source: { renderFrames: (envState) => cameras.map((c) => renderedFramePng(env.id, c.name, envState)) } };
    return { features, source: { frames: cameras.map((c) => c.name) } };
  }
  const frame = await firstFrame(db, projectId, version);
  const shape = frame ? imageShape(frame) : null;
  return shape ? { features: [[LEROBOT_IMAGE_KEY, shape]], source: { frames: [null] } } : { features: [], source: {} };
}

export async function exportDatasetLeRobot(db: Db, caller: Caller, projectId: string, version: number): Promise<LeRobotExport> {
  // Writing the files is where the garbage is (the pages); the tar streams from disk afterwards (server/heap-growth.ts).
  return withTightHeap(() => writeExport(db, caller, projectId, version));
}

async function writeExport(db: Db, caller: Caller, projectId: string, version: number): Promise<LeRobotExport> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw notFound("Project not found");
  const spec = projectSpec(project);
  const fps = spec.env ? Math.max(1, Math.round(1 / spec.env.dt)) : 10;
  const discrete = spec.actionSpace.type === "discrete";
  const obsDim = stateDim(spec.observation);
  const actDim = spec.actionSpace.type === "box" ? (spec.actionSpace.shape[0] as number) : 1;
  const images = await imageColumns(db, spec, projectId, version);
  const features = dataFeatures({
    obsDim,
    actDim,
    discrete,
    observationNames: spec.env?.observationFields ? [...spec.env.observationFields] : null,
    actionNames: spec.actionSpace.labels ? [...spec.actionSpace.labels] : null,
    images: images.features,
  });
  const imageKeys = images.features.map(([key]) => key);
  const task = spec.envId ? `${spec.envId}: act like the expert` : project.name;

  const dir = await mkdtemp(join(tmpdir(), "corrective-lerobot-"));
  try {
    const path = (p: string) => join(dir, p);
    await mkdir(dirname(path(LEROBOT_PATHS.data)), { recursive: true });
    await mkdir(dirname(path(LEROBOT_PATHS.episodes)), { recursive: true });

    // data/ and meta/episodes/ Parquet files, page by page, encoded in a worker thread while this one
    // fetches the next page.
    const writer = startDataWriter({
      dataFile: path(LEROBOT_PATHS.data),
      episodesFile: path(LEROBOT_PATHS.episodes),
      features,
      dataSchema: parquetSchema(features, new Set(imageKeys)),
      episodesSchema: episodesSchema(EPISODE_STAT_COLUMNS),
      episodeStatColumns: EPISODE_STAT_COLUMNS,
      imageKeys,
      imageStatsEvery: Math.max(1, Math.ceil(v.sampleCount / IMAGE_STATS_SAMPLES)),
      fps,
      task,
    });
    let summary: DataWriterSummary;
    try {
      const pages = samplePages(db, projectId, version, {
        ...images.source,
        pageSize: imageKeys.length ? FRAME_PAGE_SIZE : PAGE_SIZE,
      });
      for await (const page of pages) await writer.write(page);
      summary = await writer.finish();
    } finally {
      writer.close();
    }
    const { episodes, frames, stats } = summary;
    await writeTasks(path(LEROBOT_PATHS.tasks), task);
    await writeFile(path(LEROBOT_PATHS.info), JSON.stringify(infoJson({ fps, robotType: spec.envId ?? "external", episodes, frames, features }), null, 2));
    await writeFile(path(LEROBOT_PATHS.stats), JSON.stringify(stats, null, 2));
    const counts = v.counts as { bySource?: Record<string, number> };
    await writeFile(
      path("meta/corrective.json"),
      JSON.stringify({ projectId, projectName: project.name, datasetVersion: version, sampleCount: v.sampleCount, checksum: v.checksum, bySource: counts.bySource ?? {}, observationSpace: spec.observation, actionSpace: spec.actionSpace }, null, 2),
    );
    const files = [LEROBOT_PATHS.info, LEROBOT_PATHS.stats, LEROBOT_PATHS.tasks, LEROBOT_PATHS.episodes, "meta/corrective.json", LEROBOT_PATHS.data];
    return { stream: tarStream(dir, files), sampleCount: v.sampleCount, checksum: v.checksum, episodes };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The worker's entry file, from the app's root (the working directory of `npm start` and of the tests;
 * `CORRECTIVE_ROOT` overrides). Not `new URL("./…", import.meta.url)`: Next.js bundles route handlers, and
 * webpack would bundle the worker too (and its path would point into .next/).
 */
function writerEntry(): string {
  const entry = join(process.env.CORRECTIVE_ROOT ?? process.cwd(), "server/datasets/lerobot-writer-worker.mjs");
  if (!existsSync(entry)) throw new Error(`LeRobot writer entry ${entry} not found: start the app from its root folder (or set CORRECTIVE_ROOT)`);
  return entry;
}

/** The writer worker (lerobot-writer-worker.mjs), with at most {@link IN_FLIGHT} pages sent and not yet written. */
function startDataWriter(options: DataWriterOptions): { write: (page: SamplePage) => Promise<void>; finish: () => Promise<DataWriterSummary>; close: () => void } {
  const worker = new Worker(writerEntry(), { workerData: options, execArgv: [], resourceLimits: WORKER_LIMITS });
  const channel = workerChannel<WriterRequest, WriterReply>(worker, "LeRobot writer", (raw) => ZWriterReply.safeParse(raw), (reply) => (reply.type === "error" ? new Error(`LeRobot writer: ${reply.message}`) : null));
  const request = (req: WriterRequest) => channel.request(req);
  const inFlight: Array<Promise<WriterReply>> = [];
  return {
    async write(page) {
      const sent = request({ type: "page", page });
      inFlight.push(sent);
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    },
    async finish() {
      for (const sent of inFlight.splice(0)) await sent;
      const reply = await request({ type: "finish" });
      if (reply.type !== "done") throw new Error(`LeRobot writer answered ${reply.type} to finish`);
      return reply.summary;
    },
    close: channel.close,
  };
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

/**
 * The files are read for the tar in pieces of this size: with the 64 KiB default a 9 MB export took ~155
 * pulls through tar-stream, the web stream and Next's response, 160–220 ms on the 2-core bench machine.
 */
const TAR_READ_BYTES = 1 << 20;

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
          const source = createReadStream(join(dir, name), { highWaterMark: TAR_READ_BYTES });
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
        } else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)); // a view, not a copy
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
