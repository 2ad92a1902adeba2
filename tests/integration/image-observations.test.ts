/**
 * External projects whose observations are images (a Gymnasium `Dict` of cameras and a `state` vector), on both
 * engines: project creation validates the space naming the field; rollout uploads reference uploaded PNG frames
 * per camera, and a frame that is not a PNG of the camera's exact shape is refused naming the step and camera; the
 * stored state keeps the numbers in `observation` and the images as frames in the blob store — the first camera's
 * frame is what labellers see, byte for byte what the policy saw — and the LeRobot export carries those bytes.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { asc, eq } from "drizzle-orm";
import { decode, encode } from "fast-png";
import { beforeAll, expect, it } from "vitest";
import { createEnv, createExpert, observationImages } from "../../envs/index";
import { rollouts, rounds, states } from "../../db/schema";
import type { TUser } from "../../contracts/auth";
import { exportDatasetLeRobot } from "../../server/datasets/export-dataset-lerobot";
import { importDataset } from "../../server/rounds/import-dataset";
import { untar } from "../../server/datasets/parse-lerobot-tar";
import { writeVersion } from "../../server/datasets/write-version";
import { observationImageLoader, observationImageRefs } from "../../server/blobs/observation-images";
import { loadProjectSpec } from "../../server/projects/project-spec";
import { createProject } from "../../server/projects/create-project";
import { addExternalRollouts } from "../../server/rollouts/add-external-rollout";
import { addDemonstrations } from "../../server/rounds/add-demonstrations";
import { getFrame, uploadFrameBatch } from "../../server/rollouts/frames";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";
import { frameBatch } from "../helpers/frame-batch";

const camera = (h: number, w: number) => ({ type: "box", dtype: "uint8", shape: [h, w, 3], low: 0, high: 255 });
const SPACE = { type: "dict", spaces: { front: camera(16, 16), state: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] } } };

function png(h: number, w: number, channels: 3 | 4, seed: number): Uint8Array {
  const data = new Uint8Array(h * w * channels).map((_, i) => (i * 31 + seed * 7) & 255);
  return encode({ width: w, height: h, data, channels });
}

async function readBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

async function refusal(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    const e = err as { issues?: { path: PropertyKey[] }[]; details?: { fieldErrors?: Record<string, unknown> } };
    if (e.issues) return e.issues.map((i) => i.path.join("."));
    return Object.keys(e.details?.fieldErrors ?? {});
  }
  throw new Error("expected a refusal");
}

describeEngines("image observations from external systems", (h) => {
  let lead: TUser;
  let projectId: string;
  let roundId: string;

  beforeAll(async () => {
    const db = h.database.db;
    lead = await makeUser(db, "Lead");
    projectId = (await createProject(db, lead, { name: "camera robot", external: { observationSpace: SPACE, actionSpace: { type: "discrete", n: 3 } } })).id;
    await db.insert(rounds).values({ projectId, index: 0, status: "published" });
    roundId = (await db.insert(rounds).values({ projectId, index: 1, status: "collecting" }).returning())[0]!.id;
  });

  it("refuses bad image spaces at project creation, naming the field", async () => {
    const db = h.database.db;
    const create = (observationSpace: unknown) => createProject(db, lead, { name: "bad", external: { observationSpace, actionSpace: { type: "discrete", n: 2 } } });
    expect(await refusal(create({ type: "dict", spaces: { front: camera(16, 16) } }))).toEqual(["external.observationSpace.spaces.state"]);
    expect((await refusal(create({ type: "dict", spaces: { front: { ...camera(16, 16), shape: [16, 16, 2] }, state: SPACE.spaces.state } }))).join()).toMatch(/external\.observationSpace\.spaces\.front/);
    expect((await refusal(create({ type: "dict", spaces: { state: SPACE.spaces.state } }))).join()).toMatch(/external\.observationSpace\.spaces/);
  });

  it("refuses frames that are not a PNG of the camera's shape, and observations of the wrong form, naming step and key", async () => {
    const db = h.database.db;
    const good = randomUUID();
    const wrongSize = randomUUID();
    const rgba = randomUUID();
    const jpeg = randomUUID();
    await uploadFrameBatch(
      db,
      lead,
      projectId,
      frameBatch([
        { id: good, bytes: png(16, 16, 3, 1) },
        { id: wrongSize, bytes: png(16, 8, 3, 2) },
        { id: rgba, bytes: png(16, 16, 4, 3) },
        { id: jpeg, bytes: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array(64).fill(1)]) },
      ]),
    );
    const upload = (steps: unknown[]) => addExternalRollouts(db, lead, projectId, { rollouts: [{ id: randomUUID(), steps }] });
    const ok = { observation: { front: good, state: [0, 0] } };
    expect(await refusal(upload([ok, { observation: { front: wrongSize, state: [0, 0] } }]))).toEqual(["rollouts.0.steps.1.observation.front"]);
    expect(await refusal(upload([{ observation: { front: rgba, state: [0, 0] } }]))).toEqual(["rollouts.0.steps.0.observation.front"]);
    expect(await refusal(upload([{ observation: { front: jpeg, state: [0, 0] } }]))).toEqual(["rollouts.0.steps.0.observation.front"]);
    expect(await refusal(upload([{ observation: { front: randomUUID(), state: [0, 0] } }]))).toEqual(["rollouts.0.steps.0.observation.front"]);
    expect(await refusal(upload([ok, { observation: [0, 0] }]))).toEqual(["rollouts.0.steps.1.observation"]);
    expect(await refusal(upload([{ observation: { front: good } }]))).toEqual(["rollouts.0.steps.0.observation.state"]);
    expect(await refusal(upload([{ observation: { front: good, state: [0, 0, 0] } }]))).toEqual(["rollouts.0.steps.0.observation.state"]);
    expect((await db.select().from(states).where(eq(states.projectId, projectId))).length).toBe(0);
  });

  it("stores the numbers as the observation and the images as frames; labellers and the export get the policy's pixels", async () => {
    const db = h.database.db;
    const images = [0, 1, 2].map((t) => ({ id: randomUUID(), bytes: png(16, 16, 3, 10 + t) }));
    await uploadFrameBatch(db, lead, projectId, frameBatch(images));
    const steps = images.map((img, t) => ({ observation: { front: img.id, state: [t / 10, 1 - t / 10] }, policyAction: t % 3 }));
    await addExternalRollouts(db, lead, projectId, { rollouts: [{ id: randomUUID(), steps }] });
    const rows = await db.select().from(states).where(eq(states.projectId, projectId)).orderBy(asc(states.t));
    expect(rows.map((r) => [r.observation, r.images, r.frameId])).toEqual(images.map((img, t) => [[t / 10, 1 - t / 10], { front: img.id }, img.id]));
    const seen = await getFrame(db, lead, projectId, rows[1]!.frameId!);
    expect(Buffer.compare(seen.bytes, Buffer.from(images[1]!.bytes))).toBe(0);
    expect(decode(seen.bytes).data).toEqual(decode(images[1]!.bytes).data);
    // What a trainer gets for these states: the decoded pixels of each camera.
    const loaded = await observationImageLoader(db, await loadProjectSpec(db, projectId))(rows.map((r) => r.id));
    rows.forEach((r, t) => expect(loaded.get(r.id)!.front).toEqual(decode(images[t]!.bytes).data));
    expect(loaded.get(rows[0]!.id)!.front!.length).toBe(16 * 16 * 3);
    // What the train step sends the worker instead: each state's frame by its blob hash, plus the store's directory.
    const refs = await observationImageRefs(db, await loadProjectSpec(db, projectId), rows.map((r) => r.id));
    expect(refs.sources).toBe(3);
    expect(refs.blobRoot).toBeTruthy();
    expect(refs.frames!.front!.every((f) => typeof f === "string" && /^[0-9a-f]{64}$/.test(f))).toBe(true);

    await db.transaction((tx) =>
      writeVersion(tx, projectId, roundId, 1, rows.map((st) => ({ stateId: st.id, observation: st.observation, action: 1, source: "label", episode: 0, frameIndex: st.t }))),
    );
    const files = await untar(await readBytes((await exportDatasetLeRobot(db, lead, projectId, 1)).stream));
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    expect(info.features["observation.images.front"]).toMatchObject({ dtype: "image", shape: [16, 16, 3] });
    expect(info.features["observation.state"]).toMatchObject({ dtype: "float32", shape: [2] });
    expect(JSON.parse(new TextDecoder().decode(files.get("meta/corrective.json"))).observationSpace).toEqual(SPACE);
    const dir = await mkdtemp(join(tmpdir(), "lerobot-cam-"));
    try {
      await writeFile(join(dir, "data.parquet"), files.get("data/chunk-000/file-000.parquet")!);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const out = (await duck.runAndReadAll(`SELECT "observation.images.front".bytes AS img FROM '${dir}/data.parquet' ORDER BY index`)).getRowObjects();
      expect(out.map((r) => Buffer.compare(Buffer.from((r.img as { bytes: Uint8Array }).bytes), Buffer.from(images[out.indexOf(r)]!.bytes)))).toEqual([0, 0, 0]);
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes round-0 demonstrations with image observations, checked like rollouts, stored with their frames", async () => {
    const db = h.database.db;
    const id = (await createProject(db, lead, { name: "camera demos", external: { observationSpace: SPACE, actionSpace: { type: "discrete", n: 3 } } })).id;
    const images = [0, 1].map((t) => ({ id: randomUUID(), bytes: png(16, 16, 3, 20 + t) }));
    const wrongSize = { id: randomUUID(), bytes: png(8, 16, 3, 5) };
    await uploadFrameBatch(db, lead, id, frameBatch([...images, wrongSize]));
    const demo = (steps: unknown[]) => addDemonstrations(db, lead, id, { episodes: [{ steps }] });
    const step = (t: number) => ({ observation: { front: images[t]!.id, state: [t / 4, 0] }, action: t });
    expect(await refusal(demo([step(0), { ...step(1), observation: { front: wrongSize.id, state: [0, 0] } }]))).toEqual(["episodes.0.steps.1.observation.front"]);
    expect(await refusal(demo([step(0), { ...step(1), observation: [0, 0] }]))).toEqual(["episodes.0.steps.1.observation"]);
    expect(await refusal(demo([{ ...step(0), observation: { front: images[0]!.id, state: [0] } }]))).toEqual(["episodes.0.steps.0.observation.state"]);
    const added = await demo([step(0), step(1)]);
    expect(added).toMatchObject({ roundIndex: 0, steps: 2 });
    const rows = await db.select().from(states).where(eq(states.projectId, id)).orderBy(asc(states.t));
    expect(rows.map((r) => [r.observation, r.images, r.frameId, r.action])).toEqual(images.map((img, t) => [[t / 4, 0], { front: img.id }, img.id, t]));
    const loaded = await observationImageLoader(db, await loadProjectSpec(db, id))(rows.map((r) => r.id));
    rows.forEach((r, t) => expect(loaded.get(r.id)!.front).toEqual(decode(images[t]!.bytes).data));
  });

  it("exports a CarTrackPixels-v0 dataset with the images rendered from each state: the pixels its policy saw", async () => {
    const db = h.database.db;
    const id = (await createProject(db, lead, { name: "pixels", envId: "CarTrackPixels-v0" })).id;
    const [round] = await db.insert(rounds).values({ projectId: id, index: 0, status: "published" }).returning();
    const env = createEnv("CarTrackPixels-v0");
    const expert = createExpert("CarTrackPixels-v0");
    env.reset(4);
    const steps = Array.from({ length: 4 }, (_, t) => {
      const step = { t, observation: env.observe(), envState: env.getState(), action: expert.act(env.getState()) as number[] };
      env.step(step.action);
      return step;
    });
    const [rollout] = await db.insert(rollouts).values({ projectId: id, roundId: round!.id, source: "expert", length: steps.length }).returning();
    const rows = await db
      .insert(states)
      .values(steps.map((s) => ({ projectId: id, rolloutId: rollout!.id, t: s.t, observation: s.observation, envState: s.envState, action: s.action })))
      .returning();
    await db.transaction((tx) =>
      writeVersion(tx, id, round!.id, 0, rows.map((st) => ({ stateId: st.id, observation: st.observation, action: st.action as number[], source: "expert", episode: 0, frameIndex: st.t }))),
    );
    const loaded = await observationImageLoader(db, await loadProjectSpec(db, id))(rows.map((r) => r.id));
    rows.forEach((r) => expect(loaded.get(r.id)!.image).toEqual(observationImages("CarTrackPixels-v0", r.envState!).image));
    const tarBytes = await readBytes((await exportDatasetLeRobot(db, lead, id, 0)).stream);
    const files = await untar(tarBytes);
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    expect(info.features["observation.images.image"]).toMatchObject({ dtype: "image", shape: [64, 64, 3] });
    expect(JSON.parse(new TextDecoder().decode(files.get("meta/corrective.json"))).observationSpace).toMatchObject({ type: "dict", spaces: { image: { dtype: "uint8", shape: [64, 64, 3] } } });
    const dir = await mkdtemp(join(tmpdir(), "lerobot-pixels-"));
    try {
      await writeFile(join(dir, "data.parquet"), files.get("data/chunk-000/file-000.parquet")!);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const out = (await duck.runAndReadAll(`SELECT "observation.images.image".bytes AS img FROM '${dir}/data.parquet' ORDER BY index`)).getRowObjects();
      expect(out).toHaveLength(steps.length);
      out.forEach((r, t) => expect(decode((r.img as { bytes: Uint8Array }).bytes).data).toEqual(observationImages("CarTrackPixels-v0", steps[t]!.envState).image));
      duck.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Re-imported into a CarTrackPixels-v0 project: the numbers come back (its images are rendered from env
    // states, which the dataset does not carry, so the image column is not read).
    const again = (await createProject(db, lead, { name: "pixels again", envId: "CarTrackPixels-v0" })).id;
    const imported = await importDataset(db, lead, again, "lerobot", tarBytes);
    expect(imported).toMatchObject({ samples: steps.length, episodes: 1 });
  });
});
