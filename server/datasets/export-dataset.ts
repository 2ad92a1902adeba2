import { and, asc, eq, gt, lte } from "drizzle-orm";
import { LEROBOT_CHUNK_SIZE, LEROBOT_CODEBASE_VERSION, lerobotEpisodePath, type TLeRobotBundle, type TLeRobotRow } from "../../contracts/datasets";
import type { Db } from "../../db/client";
import { datasetSamples, datasetVersions, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { projectSpec } from "../projects/project-spec";

/**
 * Streams dataset version `version` as JSONL: one `{observation, action, source, version, episode_index,
 * frame_index, state_id}` per line, in insertion order. Rows are read in pages so memory stays flat.
 */
export async function exportDatasetJsonl(db: Db, caller: Caller, projectId: string, version: number): Promise<{ stream: ReadableStream<Uint8Array>; sampleCount: number; checksum: string }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const encoder = new TextEncoder();
  let lastId = 0;
  const PAGE = 2000;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await db
        .select()
        .from(datasetSamples)
        .where(and(eq(datasetSamples.projectId, projectId), lte(datasetSamples.version, version), gt(datasetSamples.id, lastId)))
        .orderBy(asc(datasetSamples.id))
        .limit(PAGE);
      if (rows.length === 0) return controller.close();
      lastId = rows[rows.length - 1]!.id;
      const text = rows
        .map((r) => JSON.stringify({ observation: r.observation, action: r.action, source: r.source, version: r.version, episode_index: r.episode, frame_index: r.frameIndex, state_id: r.stateId }))
        .join("\n");
      controller.enqueue(encoder.encode(`${text}\n`));
    },
  });
  return { stream, sampleCount: v.sampleCount, checksum: v.checksum };
}


/**
 * Dataset version `version` in a LeRobot-style layout (v2.1 conventions, JSONL instead of Parquet), as one
 * zip-free JSON bundle `{format: "lerobot", files: {path: text}}`:
 * - `meta/info.json`: fps, totals, features (shapes, dtypes, names) and a `corrective` block (project,
 *   version, checksum, counts, spaces);
 * - `meta/episodes.jsonl`, `meta/tasks.jsonl`, `meta/stats.json` (min/max/mean/std per feature);
 * - `data/chunk-XXX/episode_YYYYYY.jsonl`: one row per step `{index, episode_index, frame_index, timestamp,
 *   observation.state, action, task_index, source}`.
 * Episodes are numbered globally in first-appearance order of (dataset version, episode); within an episode
 * rows are sorted by frame index. Labelled DAgger states are sparse in time, so frame indices may skip.
 */
export async function exportDatasetLeRobot(db: Db, caller: Caller, projectId: string, version: number): Promise<{ bundle: TLeRobotBundle; sampleCount: number; checksum: string }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw notFound("Project not found");
  const spec = projectSpec(project);
  const fps = spec.env ? 1 / spec.env.dt : 10;
  const episodes = new Map<string, { index: number; version: number; source: string; rows: TLeRobotRow[] }>();
  let lastId = 0;
  for (;;) {
    const page = await db
      .select()
      .from(datasetSamples)
      .where(and(eq(datasetSamples.projectId, projectId), lte(datasetSamples.version, version), gt(datasetSamples.id, lastId)))
      .orderBy(asc(datasetSamples.id))
      .limit(5000);
    if (page.length === 0) break;
    lastId = page[page.length - 1]!.id;
    for (const s of page) {
      const key = `${s.version}:${s.episode}`;
      const ep = episodes.get(key) ?? episodes.set(key, { index: episodes.size, version: s.version, source: s.source, rows: [] }).get(key)!;
      ep.rows.push({
        episode_index: ep.index,
        frame_index: s.frameIndex,
        timestamp: s.frameIndex / fps,
        "observation.state": s.observation,
        action: typeof s.action === "number" ? [s.action] : s.action,
        task_index: 0,
        source: s.source,
      });
    }
  }
  const files: Record<string, string> = {};
  let index = 0;
  const obsStats = new FeatureStats();
  const actStats = new FeatureStats();
  for (const ep of episodes.values()) {
    ep.rows.sort((a, b) => a.frame_index - b.frame_index);
    for (const r of ep.rows) {
      r.index = index++;
      obsStats.add(r["observation.state"]);
      actStats.add(r.action);
    }
    files[lerobotEpisodePath(ep.index)] = ep.rows.map((r) => JSON.stringify({ index: r.index, ...r })).join("\n") + "\n";
  }
  const obsDim = spec.observationSpace.type === "box" ? spec.observationSpace.shape[0] : 1;
  const actDim = spec.actionSpace.type === "box" ? spec.actionSpace.shape[0] : 1;
  const counts = v.counts as { bySource?: Record<string, number> };
  const task = spec.envId ? `${spec.envId}: act like the expert` : project.name;
  const info = {
    codebase_version: LEROBOT_CODEBASE_VERSION,
    robot_type: spec.envId ?? "external",
    fps,
    total_episodes: episodes.size,
    total_frames: index,
    total_tasks: 1,
    total_chunks: Math.ceil(episodes.size / LEROBOT_CHUNK_SIZE),
    chunks_size: LEROBOT_CHUNK_SIZE,
    splits: { train: `0:${episodes.size}` },
    data_path: "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.jsonl",
    features: {
      "observation.state": { dtype: "float32", shape: [obsDim], names: spec.env?.observationFields ?? null },
      action: { dtype: spec.actionSpace.type === "discrete" ? "int64" : "float32", shape: [actDim], names: spec.actionSpace.labels ?? null },
      timestamp: { dtype: "float32", shape: [1], names: null },
      frame_index: { dtype: "int64", shape: [1], names: null },
      episode_index: { dtype: "int64", shape: [1], names: null },
      index: { dtype: "int64", shape: [1], names: null },
      task_index: { dtype: "int64", shape: [1], names: null },
      source: { dtype: "string", shape: [1], names: null },
    },
    corrective: {
      projectId,
      projectName: project.name,
      datasetVersion: version,
      sampleCount: v.sampleCount,
      checksum: v.checksum,
      bySource: counts.bySource ?? {},
      observationSpace: spec.observationSpace,
      actionSpace: spec.actionSpace,
    },
  };
  files["meta/info.json"] = JSON.stringify(info, null, 2);
  files["meta/tasks.jsonl"] = JSON.stringify({ task_index: 0, task }) + "\n";
  files["meta/episodes.jsonl"] = [...episodes.values()].map((e) => JSON.stringify({ episode_index: e.index, tasks: [task], length: e.rows.length, dataset_version: e.version, source: e.source })).join("\n") + (episodes.size ? "\n" : "");
  files["meta/stats.json"] = JSON.stringify({ "observation.state": obsStats.toJSON(), action: actStats.toJSON() }, null, 2);
  return { bundle: { format: "lerobot", files }, sampleCount: v.sampleCount, checksum: v.checksum };
}

/** Running min / max / mean / std per dimension (Welford). */
class FeatureStats {
  private n = 0;
  private mean: number[] = [];
  private m2: number[] = [];
  private min: number[] = [];
  private max: number[] = [];
  add(x: readonly number[]) {
    this.n++;
    x.forEach((v, i) => {
      const mean = this.mean[i] ?? 0;
      const d = v - mean;
      const next = mean + d / this.n;
      this.mean[i] = next;
      this.m2[i] = (this.m2[i] ?? 0) + d * (v - next);
      this.min[i] = Math.min(this.min[i] ?? Infinity, v);
      this.max[i] = Math.max(this.max[i] ?? -Infinity, v);
    });
  }
  toJSON() {
    return { count: [this.n], mean: this.mean, std: this.m2.map((m) => Math.sqrt(m / Math.max(1, this.n))), min: this.min, max: this.max };
  }
}
