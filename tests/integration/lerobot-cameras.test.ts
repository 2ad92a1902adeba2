/**
 * LeRobot datasets with cameras, on PGlite and PostgreSQL: an external project whose observations are a Gymnasium
 * `Dict` of two cameras (`front` 32×32×3, `wrist` 16×16×3) and a `state` vector exports every camera as an
 * `observation.images.<camera>` image column (the uploaded PNG bytes, read back by an independent reader, DuckDB),
 * and the `.tar` imports into a new project as round-0 demonstrations with the same samples, the same images (as
 * frames in the blob store, referenced per camera by each sample's state — what the trainer reads) and the same
 * checksum. A bad image is refused naming its row and column, and a failed import leaves nothing: no samples,
 * states, frames, rounds, and no blob that counts.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { and, asc, eq, inArray } from "drizzle-orm";
import { decode, encode } from "fast-png";
import { parquetWriteBuffer } from "hyparquet-writer";
import { beforeAll, expect, it } from "vitest";
import type { TUser } from "../../contracts/auth";
import type { LeRobotFeature } from "../../contracts/dataset-writer-protocol";
import { datasetSamples, datasetVersions, frames, policies, rollouts, rounds, states } from "../../db/schema";
import { blobTotals, sha256Hex } from "../../server/blobs/blob-refs";
import { getBlobStore } from "../../server/blobs/registry";
import { observationImageRefs } from "../../server/blobs/observation-images";
import { exportDatasetLeRobot } from "../../server/datasets/export-dataset-lerobot";
import { parquetSchema } from "../../server/datasets/lerobot-layout";
import { untar } from "../../server/datasets/parse-lerobot-tar";
import { writeVersion } from "../../server/datasets/write-version";
import { createProject } from "../../server/projects/create-project";
import { loadProjectSpec } from "../../server/projects/project-spec";
import { importDataset } from "../../server/rounds/import-dataset";
import { addExternalRollouts } from "../../server/rollouts/add-external-rollout";
import { getFrame, uploadFrameBatch } from "../../server/rollouts/frames";
import { Policy } from "../../trainer/policy/policy";
import { describeEngines } from "../helpers/engines";
import { useJobRunners } from "../helpers/job-runners";
import { makeUser } from "../helpers/fixtures";
import { packTar, readBytes } from "../helpers/tar-bytes";
import { frameBatch } from "../helpers/frame-batch";

const camera = (h: number, w: number) => ({ type: "box", dtype: "uint8", shape: [h, w, 3], low: 0, high: 255 });
const SPACE = { type: "dict", spaces: { front: camera(32, 32), wrist: camera(16, 16), state: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] } } };
const EXTERNAL = { observationSpace: SPACE, actionSpace: { type: "discrete", n: 3 } };

function png(h: number, w: number, seed: number): Uint8Array {
  const data = new Uint8Array(h * w * 3).map((_, i) => (i * 31 + seed * 97 + (i >> 5) * seed) & 255);
  return encode({ width: w, height: h, data, channels: 3 });
}

interface Row {
  state: number[];
  action: number;
  episode: number;
  frame: number;
  front: Uint8Array | null;
  wrist: Uint8Array | null;
}

/** A LeRobot v3.0 `.tar` as another tool would write it (one row group, no `corrective.*` columns). */
async function lerobotTar(rows: Row[], options: { omitWrist?: boolean } = {}): Promise<Uint8Array> {
  const image = (shape: number[]): LeRobotFeature => ({ dtype: "image", shape, names: ["height", "width", "channels"] });
  const int = (): LeRobotFeature => ({ dtype: "int64", shape: [1], names: null });
  const features: Array<[string, LeRobotFeature]> = [
    ["observation.state", { dtype: "float32", shape: [2], names: null }],
    ["observation.images.front", image([32, 32, 3])],
    ...(options.omitWrist ? [] : ([["observation.images.wrist", image([16, 16, 3])]] as Array<[string, LeRobotFeature]>)),
    ["action", int()],
    ["episode_index", int()],
    ["frame_index", int()],
  ];
  const cell = (bytes: Uint8Array | null) => (bytes ? { bytes, path: null } : null);
  const columns: Record<string, unknown[]> = {
    "observation.state": rows.map((r) => r.state),
    "observation.images.front": rows.map((r) => cell(r.front)),
    "observation.images.wrist": rows.map((r) => cell(r.wrist)),
    action: rows.map((r) => BigInt(r.action)),
    episode_index: rows.map((r) => BigInt(r.episode)),
    frame_index: rows.map((r) => BigInt(r.frame)),
  };
  const data = parquetWriteBuffer({ schema: parquetSchema(features, new Set(features.filter(([, f]) => f.dtype === "image").map(([k]) => k))), columnData: features.map(([name]) => ({ name, data: columns[name]! })) });
  const info = { codebase_version: "v3.0", fps: 10, total_frames: rows.length, features: Object.fromEntries(features) };
  return packTar({ "meta/info.json": new TextEncoder().encode(JSON.stringify(info)), "data/chunk-000/file-000.parquet": new Uint8Array(data) });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

describeEngines("LeRobot datasets with cameras: export every camera, import them back", (h) => {
  const runner = useJobRunners(h);
  let lead: TUser;
  let source: string;
  let roundId: string;
  /** The uploaded images by step, in (episode, t) order. */
  const uploaded: Array<{ front: Uint8Array; wrist: Uint8Array; state: number[]; action: number; episode: number; t: number }> = [];

  beforeAll(async () => {
    const db = h.database.db;
    lead = await makeUser(db, "Lead");
    source = (await createProject(db, lead, { name: "two cameras", external: EXTERNAL })).id;
    await db.insert(rounds).values({ projectId: source, index: 0, status: "published" });
    roundId = (await db.insert(rounds).values({ projectId: source, index: 1, status: "collecting" }).returning())[0]!.id;
    for (let episode = 0; episode < 2; episode++) {
      const steps = Array.from({ length: 5 }, (_, t) => ({ front: png(32, 32, 10 * episode + t + 1), wrist: png(16, 16, 10 * episode + t + 50), state: [t / 10, 0.5 - episode / 4], action: (t + episode) % 3, episode, t }));
      const ids = steps.map(() => ({ front: randomUUID(), wrist: randomUUID() }));
      await uploadFrameBatch(db, lead, source, frameBatch(steps.flatMap((s, i) => [{ id: ids[i]!.front, bytes: s.front }, { id: ids[i]!.wrist, bytes: s.wrist }])));
      await addExternalRollouts(db, lead, source, { rollouts: [{ id: randomUUID(), steps: steps.map((s, i) => ({ observation: { front: ids[i]!.front, wrist: ids[i]!.wrist, state: s.state } })) }] });
      uploaded.push(...steps);
    }
    const rows = await db.select({ st: states, r: rollouts }).from(states).innerJoin(rollouts, eq(rollouts.id, states.rolloutId)).where(eq(states.projectId, source)).orderBy(asc(rollouts.createdAt), asc(states.t));
    expect(rows).toHaveLength(uploaded.length);
    await db.transaction((tx) =>
      writeVersion(tx, source, roundId, 1, rows.map(({ st }, i) => ({ stateId: st.id, observation: st.observation, action: uploaded[i]!.action, source: "label", episode: uploaded[i]!.episode, frameIndex: st.t }))),
    );
  });

  it("exports both cameras as observation.images.<camera> columns holding the uploaded PNG bytes", async () => {
    const db = h.database.db;
    const files = await untar(await readBytes((await exportDatasetLeRobot(db, lead, source, 1)).stream));
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    const keys = Object.keys(info.features);
    expect(keys.slice(0, 3)).toEqual(["observation.state", "observation.images.front", "observation.images.wrist"]);
    expect(keys).not.toContain("observation.image");
    expect(info.features["observation.images.front"]).toEqual({ dtype: "image", shape: [32, 32, 3], names: ["height", "width", "channels"], fps: 10 });
    expect(info.features["observation.images.wrist"]).toMatchObject({ dtype: "image", shape: [16, 16, 3] });
    // stats.json: per channel, scaled to [0, 1], shaped [c, 1, 1], as LeRobot's compute_stats writes image stats.
    const stats = JSON.parse(new TextDecoder().decode(files.get("meta/stats.json")));
    for (const key of ["observation.images.front", "observation.images.wrist"]) {
      expect(stats[key].count).toEqual([uploaded.length]);
      expect(stats[key].mean).toHaveLength(3);
      for (const k of ["min", "max", "mean", "std"]) {
        for (const ch of stats[key][k] as number[][][]) {
          expect(ch[0]![0]).toBeGreaterThanOrEqual(0);
          expect(ch[0]![0]).toBeLessThanOrEqual(1);
        }
      }
    }
    const frontPixels = uploaded.flatMap((s) => [...decode(s.front).data]);
    const meanR = frontPixels.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0) / (frontPixels.length / 3) / 255;
    expect(stats["observation.images.front"].mean[0][0][0]).toBeCloseTo(meanR, 6);

    const dir = await mkdtemp(join(tmpdir(), "lerobot-cams-"));
    try {
      await writeFile(join(dir, "data.parquet"), files.get("data/chunk-000/file-000.parquet")!);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const types = (await duck.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${dir}/data.parquet')`)).getRowObjectsJson();
      const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
      expect(typeOf["observation.images.front"]).toBe("STRUCT(bytes BLOB, path VARCHAR)");
      expect(typeOf["observation.images.wrist"]).toBe("STRUCT(bytes BLOB, path VARCHAR)");
      const out = (
        await duck.runAndReadAll(`SELECT episode_index, frame_index, "observation.images.front".bytes AS f, "observation.images.wrist".bytes AS w, "observation.images.front".path AS p FROM '${dir}/data.parquet' ORDER BY index`)
      ).getRowObjects();
      expect(out).toHaveLength(uploaded.length);
      out.forEach((r, i) => {
        expect([Number(r.episode_index), Number(r.frame_index)]).toEqual([uploaded[i]!.episode, uploaded[i]!.t]);
        expect(Buffer.compare(Buffer.from((r.f as { bytes: Uint8Array }).bytes), Buffer.from(uploaded[i]!.front))).toBe(0);
        expect(Buffer.compare(Buffer.from((r.w as { bytes: Uint8Array }).bytes), Buffer.from(uploaded[i]!.wrist))).toBe(0);
        expect(r.p).toBeNull();
      });
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("imports the export into a new project: same samples, identical images per camera, same checksum; the trainer finds them", async () => {
    const db = h.database.db;
    const tarBytes = await readBytes((await exportDatasetLeRobot(db, lead, source, 1)).stream);
    const [version] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, source), eq(datasetVersions.version, 1)));
    const target = (await createProject(db, lead, { name: "two cameras, imported", external: EXTERNAL })).id;
    const blobsBefore = await blobTotals(db);
    const result = await importDataset(db, lead, target, "lerobot", tarBytes);
    expect(result).toMatchObject({ version: 0, samples: uploaded.length, episodes: 2, checksum: version!.checksum, bySource: { label: uploaded.length } });
    // The same bytes are the same blobs (content-addressed): the import adds frames, not blobs.
    expect(await blobTotals(db)).toEqual(blobsBefore);

    const rows = await db.select().from(datasetSamples).where(eq(datasetSamples.projectId, target)).orderBy(asc(datasetSamples.episode), asc(datasetSamples.frameIndex));
    expect(rows.map((r) => [r.observation, r.action, r.source, r.episode, r.frameIndex])).toEqual(uploaded.map((s) => [s.state, s.action, "label", s.episode, s.t]));
    const stateIds = rows.map((r) => r.stateId!);
    expect(stateIds.every((id) => typeof id === "string")).toBe(true);
    const stateRows = await db.select().from(states).where(inArray(states.id, stateIds));
    const byId = new Map(stateRows.map((s) => [s.id, s]));
    for (const [i, id] of stateIds.entries()) {
      const st = byId.get(id)!;
      expect(st.observation).toEqual(uploaded[i]!.state);
      expect(st.action).toBe(uploaded[i]!.action);
      expect(Object.keys(st.images!).sort()).toEqual(["front", "wrist"]);
      expect(st.frameId).toBe(st.images!.front);
      expect(Buffer.compare((await getFrame(db, lead, target, st.images!.front!)).bytes, Buffer.from(uploaded[i]!.front))).toBe(0);
      expect(Buffer.compare((await getFrame(db, lead, target, st.images!.wrist!)).bytes, Buffer.from(uploaded[i]!.wrist))).toBe(0);
    }
    // One rollout per episode, in the import's round, which goes on to training like any round.
    const [round] = await db.select().from(rounds).where(eq(rounds.projectId, target));
    expect(round).toMatchObject({ index: 0, status: "training", datasetVersion: 0 });
    const imported = await db.select().from(rollouts).where(eq(rollouts.roundId, round!.id));
    expect(imported.map((r) => r.length).sort()).toEqual([5, 5]);
    // What the train step hands the trainer: each sample's camera frames by blob hash.
    const refs = await observationImageRefs(db, await loadProjectSpec(db, target), stateIds);
    expect(refs.frames!.front).toEqual(uploaded.map((s) => sha256Hex(s.front)));
    expect(refs.frames!.wrist).toEqual(uploaded.map((s) => sha256Hex(s.wrist)));

    // And round trip once more: the imported project's export carries the same images.
    const again = await readBytes((await exportDatasetLeRobot(db, lead, target, 0)).stream);
    const third = (await createProject(db, lead, { name: "third", external: EXTERNAL })).id;
    expect((await importDataset(db, lead, third, "lerobot", again)).checksum).toBe(version!.checksum);
  });

  it("refuses a bad image naming its row and column, and leaves nothing behind: no samples, states, frames or counted blobs", async () => {
    const db = h.database.db;
    const target = (await createProject(db, lead, { name: "bad images", external: EXTERNAL })).id;
    // 300 rows: the first page (256 rows) is staged — its images stored — before row 290 is read.
    const rows: Row[] = Array.from({ length: 300 }, (_, i) => ({ state: [0.001 * i, 0], action: i % 3, episode: Math.floor(i / 100), frame: i % 100, front: png(32, 32, 1000 + i), wrist: png(16, 16, 2000 + i) }));
    const blobsBefore = await blobTotals(db);
    const store = getBlobStore();
    const wrongSize = rows.map((r, i) => (i === 289 ? { ...r, wrist: png(16, 8, 7) } : r));
    expect(await refusal(importDataset(db, lead, target, "lerobot", await lerobotTar(wrongSize)))).toBe("data/chunk-000/file-000.parquet row 290: observation.images.wrist: is 16×8 pixels; the space says 16×16");
    expect(await db.select().from(datasetSamples).where(eq(datasetSamples.projectId, target))).toHaveLength(0);
    expect(await db.select().from(states).where(eq(states.projectId, target))).toHaveLength(0);
    expect(await db.select().from(frames).where(eq(frames.projectId, target))).toHaveLength(0);
    expect(await db.select().from(rollouts).where(eq(rollouts.projectId, target))).toHaveLength(0);
    expect(await db.select().from(rounds).where(eq(rounds.projectId, target))).toHaveLength(0);
    expect(await blobTotals(db)).toEqual(blobsBefore);
    expect(await store.has(sha256Hex(rows[0]!.front!))).toBe(false);

    const notPng = rows.slice(0, 5).map((r, i) => (i === 2 ? { ...r, front: new TextEncoder().encode("GIF89a not an image at all, really not") } : r));
    expect(await refusal(importDataset(db, lead, target, "lerobot", await lerobotTar(notPng)))).toMatch(/^data\/chunk-000\/file-000\.parquet row 3: observation\.images\.front: is not a PNG image/);
    const missing = rows.slice(0, 5).map((r, i) => (i === 4 ? { ...r, wrist: null } : r));
    expect(await refusal(importDataset(db, lead, target, "lerobot", await lerobotTar(missing)))).toBe("data/chunk-000/file-000.parquet row 5: observation.images.wrist: no image (every row needs one per camera)");
    expect(await refusal(importDataset(db, lead, target, "lerobot", await lerobotTar(rows.slice(0, 5), { omitWrist: true })))).toMatch(/^meta\/info\.json: features has no "observation\.images\.wrist"/);
    expect(await db.select().from(rounds).where(eq(rounds.projectId, target))).toHaveLength(0);
    expect(await blobTotals(db)).toEqual(blobsBefore);

    // The same rows without the bad one import (written by another tool: no corrective.* columns, source "import").
    const ok = await importDataset(db, lead, target, "lerobot", await lerobotTar(rows.slice(0, 20)));
    expect(ok).toMatchObject({ samples: 20, episodes: 1, bySource: { import: 20 } });
    expect(await db.select().from(frames).where(eq(frames.projectId, target))).toHaveLength(40);
  });

  it("an imported image dataset trains: round 0 gets a policy that sees both cameras", async () => {
    const db = h.database.db;
    const tarBytes = await readBytes((await exportDatasetLeRobot(db, lead, source, 1)).stream);
    const target = (await createProject(db, lead, { name: "imported, trained", external: EXTERNAL, settings: { epochs: 3, batchSize: 8, hiddenUnits: [16] } })).id;
    await importDataset(db, lead, target, "lerobot", tarBytes);
    runner({ types: ["train"] });
    const deadline = Date.now() + 240_000;
    let round = (await db.select().from(rounds).where(eq(rounds.projectId, target)))[0]!;
    while (round.status === "training" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      round = (await db.select().from(rounds).where(eq(rounds.id, round.id)))[0]!;
    }
    expect(round.error).toBeNull();
    expect(round.status).toBe("evaluating");
    const [policy] = await db.select().from(policies).where(eq(policies.id, round.resultPolicyId!));
    const loaded = Policy.fromBlob(new Uint8Array(policy!.blob));
    expect(loaded.isVisual).toBe(true);
    expect(loaded.spec.vision?.cameras).toEqual([
      { name: "front", shape: [32, 32, 3] },
      { name: "wrist", shape: [16, 16, 3] },
    ]);
    expect((policy!.training as { samples: number }).samples).toBe(uploaded.length);
  }, 300_000);
});
