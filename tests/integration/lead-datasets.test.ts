/**
 * Dataset versions for leads, on PGlite and PostgreSQL: import (jsonl and the LeRobot bundle) with
 * all-or-nothing validation that names the first bad line, the content-only checksum (an export re-imported
 * into another project reproduces counts and checksum exactly), browsing, histograms and diffs.
 */
import { asc, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { parquetWriteBuffer } from "hyparquet-writer";
import { datasetSamples, datasetVersions, frames, jobs, rollouts, rounds, states } from "../../db/schema";
import type { TUser } from "../../contracts/auth";
import { exportDatasetJsonl } from "../../server/datasets/export-dataset";
import { exportDatasetLeRobot } from "../../server/datasets/export-dataset-lerobot";
import { untar } from "../../server/datasets/parse-lerobot-tar";
import { importDataset } from "../../server/rounds/import-dataset";
import { listDatasetSamples } from "../../server/datasets/list-dataset-samples";
import { diffDatasetVersions, getDatasetVersion, listDatasetVersions } from "../../server/datasets/list-dataset-versions";
import { addToChecksum, EMPTY_CHECKSUM } from "../../server/datasets/version-content";
import { writeVersion } from "../../server/datasets/write-version";
import { addMember } from "../../server/projects/add-member";
import { createProject } from "../../server/projects/create-project";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";
import { packTar, readBytes } from "../helpers/tar-bytes";

/** CartPole-shaped samples: 4-d observation, discrete action in {0, 1}. */
function samples(n: number, seed: number, source = "expert") {
  return Array.from({ length: n }, (_, i) => ({
    observation: [Math.sin(seed + i) / 10, Math.cos(seed * i) / 7, (i % 5) / 50, -(i % 3) / 9],
    action: (seed + i) % 2,
    source: i % 7 === 3 ? "label" : source,
    episode_index: Math.floor(i / 10),
    frame_index: i % 10,
  }));
}
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

async function readStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let out = "";
  const dec = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out += dec.decode(value);
  }
}

describeEngines("lead datasets: import, export, checksums, diffs", (h) => {
  let lead: TUser, labeler: TUser, outsider: TUser;
  let projectA: string;

  const newProject = async (name: string) => (await createProject(h.database.db, lead, { name, envId: "CartPole-v1" })).id;
  const publish = (projectId: string) => h.database.db.update(rounds).set({ status: "published" }).where(eq(rounds.projectId, projectId));

  beforeAll(async () => {
    const db = h.database.db;
    [lead, labeler, outsider] = (await Promise.all(["Lead", "Labeler", "Outsider"].map((n) => makeUser(db, n)))) as [TUser, TUser, TUser];
    projectA = await newProject("Datasets A");
    await addMember(db, lead, projectA, { email: labeler.email, role: "labeler" });
  });

  it("checksums depend only on content: any order and any split into versions give the same value", () => {
    const s = samples(30, 3);
    const whole = addToChecksum(EMPTY_CHECKSUM, s);
    const reversed = addToChecksum(EMPTY_CHECKSUM, [...s].reverse());
    const split = addToChecksum(addToChecksum(EMPTY_CHECKSUM, s.slice(0, 11)), s.slice(11));
    expect(reversed).toBe(whole);
    expect(split).toBe(whole);
    expect(whole).toMatch(/^[0-9a-f]{64}$/);
    // …but any change of content changes it: another source, another action.
    expect(addToChecksum(EMPTY_CHECKSUM, [{ ...s[0]!, source: "review" }, ...s.slice(1)])).not.toBe(whole);
    expect(addToChecksum(EMPTY_CHECKSUM, [{ ...s[0]!, action: 1 - s[0]!.action }, ...s.slice(1)])).not.toBe(whole);
  });

  it("imports JSONL as round 0's dataset version and queues its training", async () => {
    const db = h.database.db;
    const rows = samples(40, 1);
    const result = await importDataset(db, lead, projectA, "jsonl", jsonl(rows));
    expect(result).toMatchObject({ version: 0, roundIndex: 0, samples: 40, episodes: 4 });
    expect(result.checksum).toBe(addToChecksum(EMPTY_CHECKSUM, rows));
    const [round] = await db.select().from(rounds).where(eq(rounds.projectId, projectA));
    expect(round).toMatchObject({ index: 0, status: "training", datasetVersion: 0 });
    const queued = await db.select().from(jobs).where(eq(jobs.roundId, round!.id));
    expect(queued.map((j) => j.type)).toEqual(["train"]);
  });

  it("refuses a second import while a round is in progress (409)", async () => {
    await expect(importDataset(h.database.db, lead, projectA, "jsonl", jsonl(samples(3, 2)))).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("reports the first bad line and imports nothing", async () => {
    const db = h.database.db;
    await publish(projectA);
    const before = await db.select().from(datasetVersions).where(eq(datasetVersions.projectId, projectA));
    const rows: object[] = samples(6, 4);
    const cases: [string, RegExp][] = [
      [jsonl([...rows.slice(0, 2), { ...rows[2], action: 7 }, ...rows.slice(3)]), /^line 3: action 7 is out of range/],
      [jsonl(rows.slice(0, 4)) + "{not json\n" + jsonl(rows.slice(4)), /^line 5: not valid JSON/],
      [jsonl([rows[0]!, { ...rows[1], observation: [1, 2] }]), /^line 2: observation must have 4 elements, got 2/],
      [jsonl([rows[0]!, { ...rows[1], extra: true }]), /^line 2: Unrecognized key/],
      ["\n\n", /^line 1: the file has no samples/],
      // Past the first page of 5,000 lines: found while staging, the staged pages are deleted again.
      [jsonl([...samples(5100, 3), { ...rows[0], action: 9 }]), /^line 5101: action 9 is out of range/],
    ];
    for (const [body, message] of cases) {
      const err = await importDataset(db, lead, projectA, "jsonl", body).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "UNPROCESSABLE" });
      expect((err as Error).message).toMatch(message);
    }
    const after = await db.select().from(datasetVersions).where(eq(datasetVersions.projectId, projectA));
    expect(after).toHaveLength(before.length);
    expect(await db.select().from(rounds).where(eq(rounds.projectId, projectA))).toHaveLength(1);
  });

  it("only a lead imports or browses; non-members get NOT_FOUND", async () => {
    const db = h.database.db;
    await expect(importDataset(db, labeler, projectA, "jsonl", jsonl(samples(2, 1)))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(importDataset(db, outsider, projectA, "jsonl", jsonl(samples(2, 1)))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(listDatasetVersions(db, labeler, projectA)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(diffDatasetVersions(db, outsider, projectA, 0, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a later import appends version 1; browsing shows counts per source, histograms and the diff", async () => {
    const db = h.database.db;
    const added = samples(25, 9, "teleop");
    const result = await importDataset(db, lead, projectA, "jsonl", jsonl(added));
    expect(result).toMatchObject({ version: 1, roundIndex: 1, samples: 25 });
    await publish(projectA);

    const versions = await listDatasetVersions(db, lead, projectA);
    expect(versions.map((v) => [v.version, v.sampleCount, v.addedCount, v.imported])).toEqual([
      [0, 40, 40, true],
      [1, 65, 25, true],
    ]);
    const labelsIn = (n: number, seed: number) => samples(n, seed).filter((s) => s.source === "label").length;
    expect(versions[1]!.addedBySource).toEqual({ teleop: 25 - labelsIn(25, 9), label: labelsIn(25, 9) });
    expect(versions[1]!.bySource).toEqual({ expert: 40 - labelsIn(40, 1), teleop: 25 - labelsIn(25, 9), label: labelsIn(40, 1) + labelsIn(25, 9) });

    const detail = await getDatasetVersion(db, lead, projectA, 1);
    expect(detail.histogram.kind).toBe("discrete");
    expect(detail.histogram.dims[0]!.counts.reduce((a, b) => a + b, 0)).toBe(65);
    expect(detail.byVersion.reduce((a, r) => a + r.count, 0)).toBe(65);
    expect(detail.episodes).toBe(4 + 3);

    const diff = await diffDatasetVersions(db, lead, projectA, 0, 1);
    expect(diff.added).toBe(25);
    expect(diff.addedByVersion).toEqual([{ version: 1, count: 25 }]);
    expect(diff.histogramTo.dims[0]!.counts.reduce((a, b) => a + b, 0) - diff.histogramFrom.dims[0]!.counts.reduce((a, b) => a + b, 0)).toBe(25);
    await expect(diffDatasetVersions(db, lead, projectA, 1, 0)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(getDatasetVersion(db, lead, projectA, 9)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("browses a version's samples page by page, oldest first, optionally one source", async () => {
    const db = h.database.db;
    const v0 = JSON.parse(JSON.stringify(samples(40, 1))) as ReturnType<typeof samples>; // as stored: JSON has no -0
    const first = await listDatasetSamples(db, lead, projectA, 1, { limit: "10" });
    expect(first).toMatchObject({ total: 65, offset: 0, limit: 10 });
    expect(first.samples.map((s) => [s.observation, s.action, s.source, s.episode, s.frameIndex])).toEqual(
      v0.slice(0, 10).map((s) => [s.observation, s.action, s.source, s.episode_index, s.frame_index]),
    );
    const last = await listDatasetSamples(db, lead, projectA, 1, { offset: "60", limit: "10" });
    expect(last.samples).toHaveLength(5);
    expect(last.samples.every((s) => s.version === 1)).toBe(true);
    // Version 0 holds only its own samples; a source filter counts and pages that source only.
    expect((await listDatasetSamples(db, lead, projectA, 0, {})).total).toBe(40);
    const labels = await listDatasetSamples(db, lead, projectA, 1, { source: "label", limit: "200" });
    expect(labels.total).toBe(labels.samples.length);
    expect(labels.samples.every((s) => s.source === "label")).toBe(true);
    expect(labels.total).toBe((await listDatasetVersions(db, lead, projectA))[1]!.bySource.label);
    await expect(listDatasetSamples(db, lead, projectA, 1, { limit: "0" })).rejects.toMatchObject({ name: "ZodError" });
    await expect(listDatasetSamples(db, lead, projectA, 7, {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(listDatasetSamples(db, labeler, projectA, 1, {})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(listDatasetSamples(db, outsider, projectA, 1, {})).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a JSONL export re-imported into a new project has identical counts and checksum", async () => {
    const db = h.database.db;
    const exported = await exportDatasetJsonl(db, lead, projectA, 1);
    const text = await readStream(exported.stream);
    expect(text.trim().split("\n")).toHaveLength(65);
    const projectB = await newProject("Datasets B");
    const result = await importDataset(db, lead, projectB, "jsonl", text);
    const [a] = (await listDatasetVersions(db, lead, projectA)).filter((v) => v.version === 1);
    const [b] = await listDatasetVersions(db, lead, projectB);
    expect(result.checksum).toBe(exported.checksum);
    expect(b!.checksum).toBe(a!.checksum);
    expect(b!.sampleCount).toBe(a!.sampleCount);
    expect(b!.bySource).toEqual(a!.bySource);
    // The database builds the lines: each is exactly JSON.stringify of the stored sample, in episode order
    // (version, episode, frame index, id; discrete actions, several sources and versions; B's version 0 is the import).
    for (const [project, version, body] of [
      [projectA, 1, text],
      [projectB, 0, await readStream((await exportDatasetJsonl(db, lead, projectB, 0)).stream)],
    ] as const) {
      const rows = await db
        .select()
        .from(datasetSamples)
        .where(eq(datasetSamples.projectId, project))
        .orderBy(asc(datasetSamples.version), asc(datasetSamples.episode), asc(datasetSamples.frameIndex), asc(datasetSamples.id));
      const expected = rows
        .filter((r) => r.version <= version)
        .map((r) => JSON.stringify({ observation: r.observation, action: r.action, source: r.source, version: r.version, episode_index: r.episode, frame_index: r.frameIndex, state_id: r.stateId }));
      expect(body.trimEnd().split("\n")).toEqual(expected);
    }
  });

  it("the LeRobot v3.0 .tar has the layout's files, DuckDB reads its Parquet, and it re-imports with identical counts and checksum", async () => {
    const db = h.database.db;
    const out = await exportDatasetLeRobot(db, lead, projectA, 1);
    const files = await untar(await readBytes(out.stream));
    expect([...files.keys()].sort()).toEqual(["data/chunk-000/file-000.parquet", "meta/corrective.json", "meta/episodes/chunk-000/file-000.parquet", "meta/info.json", "meta/stats.json", "meta/tasks.parquet"]);
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    expect(info).toMatchObject({ codebase_version: "v3.0", robot_type: "CartPole-v1", fps: 50, total_frames: 65, total_episodes: 7, data_path: "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet" });
    expect(info.features["observation.state"]).toMatchObject({ dtype: "float32", shape: [4], names: ["x", "x_dot", "theta", "theta_dot"], fps: 50 });
    expect(info.features.action).toMatchObject({ dtype: "int64", shape: [1] });
    const stats = JSON.parse(new TextDecoder().decode(files.get("meta/stats.json")));
    expect(stats["observation.state"].count).toEqual([65]);

    // The independent reader: DuckDB opens the files and agrees with the database, row by row.
    const dir = await mkdtemp(join(tmpdir(), "lerobot-test-"));
    try {
      for (const [path, bytes] of files) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), bytes);
      }
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const q = async (text: string) => (await duck.runAndReadAll(text)).getRowObjectsJson();
      const types = Object.fromEntries((await q(`DESCRIBE SELECT * FROM '${dir}/data/chunk-000/file-000.parquet'`)).map((r) => [r.column_name, r.column_type]));
      expect(types).toMatchObject({ "observation.state": "FLOAT[]", action: "BIGINT", timestamp: "FLOAT", frame_index: "BIGINT", episode_index: "BIGINT", index: "BIGINT", task_index: "BIGINT", "corrective.source": "VARCHAR", "corrective.round": "BIGINT", "corrective.exact": "VARCHAR" });
      const rows = await q(`SELECT * FROM '${dir}/data/chunk-000/file-000.parquet' ORDER BY index`);
      expect(rows).toHaveLength(65);
      const dbRows = await db.select().from(datasetSamples).where(eq(datasetSamples.projectId, projectA)).orderBy(asc(datasetSamples.version), asc(datasetSamples.episode), asc(datasetSamples.frameIndex), asc(datasetSamples.id));
      rows.forEach((r, i) => {
        const s = dbRows[i]!;
        expect(Number(r.index)).toBe(i);
        expect(JSON.parse(r["corrective.exact"] as string)).toEqual([s.observation, s.action]);
        expect(Number(r.action)).toBe(s.action);
        expect(r["corrective.source"]).toBe(s.source);
        expect(Number(r.frame_index)).toBe(s.frameIndex);
        expect(Number(r["corrective.round"])).toBe(s.version);
        (r["observation.state"] as number[]).forEach((v, j) => expect(v).toBeCloseTo(s.observation[j]!, 6));
      });
      const episodes = await q(`SELECT episode_index, length, dataset_from_index, dataset_to_index, tasks FROM '${dir}/meta/episodes/chunk-000/file-000.parquet' ORDER BY episode_index`);
      expect(episodes).toHaveLength(7);
      expect(episodes.reduce((n, e) => n + Number(e.length), 0)).toBe(65);
      expect(Number(episodes[1]!.dataset_from_index)).toBe(Number(episodes[0]!.dataset_to_index));
      expect(await q(`SELECT task_index, task FROM '${dir}/meta/tasks.parquet'`)).toEqual([{ task_index: "0", task: "CartPole-v1: act like the expert" }]);
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const projectC = await newProject("Datasets C");
    const tarBytes = await readBytes((await exportDatasetLeRobot(db, lead, projectA, 1)).stream);
    const result = await importDataset(db, lead, projectC, "lerobot", tarBytes);
    expect(result).toMatchObject({ samples: out.sampleCount, checksum: out.checksum, episodes: 7 });
    const [c] = await listDatasetVersions(db, lead, projectC);
    const [a] = (await listDatasetVersions(db, lead, projectA)).filter((v) => v.version === 1);
    expect(c!.bySource).toEqual(a!.bySource);
    expect(c!.checksum).toBe(a!.checksum);
  });

  it("a dataset of several pages exports as several row groups, in episode order, and re-imports with the same checksum", async () => {
    const db = h.database.db;
    // 6,000 samples: more than one page of the export (5,000 on PostgreSQL, adaptive on PGlite) and more
    // than one row group for the import to read.
    const rows = samples(6_000, 5);
    const projectG = await newProject("Datasets G");
    const imported = await importDataset(db, lead, projectG, "jsonl", jsonl(rows));
    const out = await exportDatasetLeRobot(db, lead, projectG, 0);
    expect(out).toMatchObject({ sampleCount: rows.length, episodes: rows.length / 10, checksum: imported.checksum });
    const files = await untar(await readBytes(out.stream));
    const dir = await mkdtemp(join(tmpdir(), "lerobot-pages-"));
    try {
      const file = join(dir, "data.parquet");
      await writeFile(file, files.get("data/chunk-000/file-000.parquet")!);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const q = async (text: string) => (await duck.runAndReadAll(text)).getRowObjectsJson();
      const [groups] = await q(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`);
      expect(Number(groups!.n)).toBeGreaterThan(1);
      const [summary] = await q(`SELECT count(*) AS n, min(index) AS lo, max(index) AS hi, count(DISTINCT episode_index) AS episodes FROM '${file}'`);
      expect(summary).toEqual({ n: String(rows.length), lo: "0", hi: String(rows.length - 1), episodes: String(rows.length / 10) });
      // Episodes stay contiguous and in order across the pages: index order is (episode, frame) order.
      const [disorder] = await q(
        `SELECT count(*) AS n FROM (SELECT episode_index, frame_index, lag(episode_index) OVER (ORDER BY index) AS pe, lag(frame_index) OVER (ORDER BY index) AS pf FROM '${file}') WHERE pe IS NOT NULL AND (episode_index < pe OR (episode_index = pe AND frame_index <= pf))`,
      );
      expect(disorder).toEqual({ n: "0" });
      const [row] = await q(`SELECT "corrective.exact" AS exact, episode_index, frame_index FROM '${file}' WHERE index = 5555`);
      const expected = rows[5555]!;
      expect(JSON.parse(row!.exact as string)).toEqual([expected.observation, expected.action]);
      expect([Number(row!.episode_index), Number(row!.frame_index)]).toEqual([expected.episode_index, expected.frame_index]);
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const projectH = await newProject("Datasets H");
    const again = await importDataset(db, lead, projectH, "lerobot", await readBytes((await exportDatasetLeRobot(db, lead, projectG, 0)).stream));
    expect(again).toMatchObject({ samples: rows.length, episodes: rows.length / 10, checksum: imported.checksum });
  });

  it("frames become an image column: the stored PNG bytes, shape from the PNG header", async () => {
    const db = h.database.db;
    const projectF = await newProject("Datasets F");
    // A 1×1 RGBA PNG.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const [round] = await db.insert(rounds).values({ projectId: projectF, index: 0, status: "published" }).returning();
    const [rollout] = await db.insert(rollouts).values({ projectId: projectF, roundId: round!.id, source: "expert", length: 3 }).returning();
    const [frame] = await db.insert(frames).values({ projectId: projectF, mime: "image/png", bytes: png }).returning();
    const stateRows = await db
      .insert(states)
      .values([0, 1, 2].map((t) => ({ projectId: projectF, rolloutId: rollout!.id, t, observation: [t / 10, 0, 0, 0], action: t % 2, frameId: t === 1 ? null : frame!.id })))
      .returning();
    await db.transaction((tx) =>
      writeVersion(tx, projectF, round!.id, 0, stateRows.map((st) => ({ stateId: st.id, observation: st.observation, action: st.action as number, source: "expert", episode: 0, frameIndex: st.t }))),
    );
    // The JSONL export names each sample's state.
    const jsonl = (await readStream((await exportDatasetJsonl(db, lead, projectF, 0)).stream)).trimEnd().split("\n").map((l) => JSON.parse(l) as { state_id: string });
    expect(jsonl.map((l) => l.state_id)).toEqual(stateRows.map((st) => st.id));
    const files = await untar(await readBytes((await exportDatasetLeRobot(db, lead, projectF, 0)).stream));
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    expect(info.features["observation.image"]).toMatchObject({ dtype: "image", shape: [1, 1, 4], names: ["height", "width", "channels"] });
    const dir = await mkdtemp(join(tmpdir(), "lerobot-img-"));
    try {
      await writeFile(join(dir, "data.parquet"), files.get("data/chunk-000/file-000.parquet")!);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const rows = (await duck.runAndReadAll(`SELECT frame_index, "observation.image".bytes AS img, "observation.image".path AS p FROM '${dir}/data.parquet' ORDER BY index`)).getRowObjects();
      expect(rows.map((r) => Number(r.frame_index))).toEqual([0, 1, 2]);
      expect(Buffer.from((rows[0]!.img as { bytes: Uint8Array }).bytes)).toEqual(png);
      expect(rows[1]!.img).toBeNull();
      expect(Buffer.from((rows[2]!.img as { bytes: Uint8Array }).bytes)).toEqual(png);
      expect(rows[0]!.p).toBeNull();
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("imports a LeRobot v2.1 dataset (one Parquet file per episode) as round-0 demonstrations", async () => {
    const db = h.database.db;
    const episodes = [0, 1, 2].map((e) => samples(5, e + 11).map((s, i) => ({ ...s, episode_index: e, frame_index: i })));
    const files: Record<string, Uint8Array> = {
      "meta/info.json": new TextEncoder().encode(JSON.stringify({ codebase_version: "v2.1", fps: 50, total_episodes: 3, total_frames: 15, features: { "observation.state": { dtype: "float32", shape: [4] }, action: { dtype: "int64", shape: [1] } } })),
    };
    for (const [e, rows] of episodes.entries()) {
      files[`data/chunk-000/episode_${String(e).padStart(6, "0")}.parquet`] = new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "observation.state", data: rows.map((r) => r.observation) },
            { name: "action", data: rows.map((r) => BigInt(r.action)), type: "INT64" },
            { name: "episode_index", data: rows.map((r) => BigInt(r.episode_index)), type: "INT64" },
            { name: "frame_index", data: rows.map((r) => BigInt(r.frame_index)), type: "INT64" },
            { name: "timestamp", data: rows.map((r) => r.frame_index / 50), type: "FLOAT" },
          ],
        }),
      );
    }
    const projectE = await newProject("Datasets E");
    const result = await importDataset(db, lead, projectE, "lerobot", await packTar(files));
    expect(result).toMatchObject({ version: 0, roundIndex: 0, samples: 15, episodes: 3, bySource: { import: 15 } });
    const stored = await db.select().from(datasetSamples).where(eq(datasetSamples.projectId, projectE)).orderBy(asc(datasetSamples.id));
    expect(stored.map((s) => [s.episode, s.frameIndex, s.action])).toEqual(episodes.flat().map((r) => [r.episode_index, r.frame_index, r.action]));
    stored.forEach((s, i) => s.observation.forEach((v, j) => expect(v).toBeCloseTo(episodes.flat()[i]!.observation[j]!, 6)));
  });

  it("a bad LeRobot row is reported by file and row, and nothing is imported", async () => {
    const db = h.database.db;
    const bad = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: "observation.state", data: [[0, 0, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4]] },
          { name: "action", data: [[0], [1], [0, 1]] },
        ],
      }),
    );
    const info = new TextEncoder().encode(JSON.stringify({ codebase_version: "v3.0", fps: 50, features: { "observation.state": { dtype: "float32", shape: [4] }, action: { dtype: "int64", shape: [1] } } }));
    const path = "data/chunk-000/file-000.parquet";
    const projectD = await newProject("Datasets D");
    const err = await importDataset(db, lead, projectD, "lerobot", await packTar({ "meta/info.json": info, [path]: bad })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNPROCESSABLE", message: `${path} row 3: action must be [a] for a discrete action space, got 2 elements` });
    await expect(importDataset(db, lead, projectD, "lerobot", await packTar({ [path]: bad }))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/meta\/info.json is missing/) });
    await expect(importDataset(db, lead, projectD, "lerobot", new TextEncoder().encode("{}"))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/not a .tar/) });
    const garbage = await packTar({ "meta/info.json": info, [path]: new TextEncoder().encode("not parquet at all, just text") });
    await expect(importDataset(db, lead, projectD, "lerobot", garbage)).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(new RegExp(`^${path}: not a Parquet file`)) });
    const v1 = await packTar({ "meta/info.json": new TextEncoder().encode(JSON.stringify({ codebase_version: "v1.6", fps: 10, features: {} })), [path]: bad });
    await expect(importDataset(db, lead, projectD, "lerobot", v1)).rejects.toMatchObject({ code: "UNPROCESSABLE", message: "meta/info.json: codebase_version v1.6 is not supported; use v3.0, v2.1, v2.0" });
    expect(await listDatasetVersions(db, lead, projectD)).toEqual([]);
  });
});
