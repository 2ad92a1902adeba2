/**
 * Labelling a multi-camera robot (docs/LABELING.md, "Image observations"): an external project whose `Dict`
 * observation has two cameras of different sizes and a `state` vector. Every labelling payload — `tasks/next`,
 * the batched `tasks/claim` and the ride-along — carries each camera's frame id and URL in camera-key order for
 * the state and for every step of its replay context, and the frames route serves each camera's very bytes to
 * project members only. On both engines (PGlite and PostgreSQL).
 */
import { randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { encode } from "fast-png";
import { beforeAll, expect, it } from "vitest";
import { API } from "../../contracts/routes";
import type { TUser } from "../../contracts/auth";
import { rounds, states, tasks } from "../../db/schema";
import { createProject } from "../../server/projects/create-project";
import { addExternalRollouts } from "../../server/rollouts/add-external-rollout";
import { getFrame, uploadFrameBatch } from "../../server/rollouts/frames";
import { claimNextTask } from "../../server/tasks/claim-next-task";
import { claimRideAlong } from "../../server/tasks/claim-ride-along";
import { claimTasks } from "../../server/tasks/claim-tasks";
import { releaseTask } from "../../server/tasks/release-task";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";
import { frameBatch } from "../helpers/frame-batch";

const camera = (h: number, w: number, c: number) => ({ type: "box", dtype: "uint8", shape: [h, w, c], low: 0, high: 255 });
// Keys given out of order on purpose: cameras are listed in key order (`wrist` after `front`), whatever the JSON's order.
const SPACE = { type: "dict", spaces: { wrist: camera(8, 8, 1), state: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] }, front: camera(12, 12, 3) } };
const STEPS = 4;

function png(h: number, w: number, channels: 1 | 3, seed: number): Uint8Array {
  const data = new Uint8Array(h * w * channels).map((_, i) => (i * 13 + seed * 29) & 255);
  return encode({ width: w, height: h, data, channels });
}

describeEngines("multi-camera labelling payloads", (h) => {
  let lead: TUser;
  let outsider: TUser;
  let projectId: string;
  const front = Array.from({ length: STEPS }, (_, t) => ({ id: randomUUID(), bytes: png(12, 12, 3, t) }));
  const wrist = Array.from({ length: STEPS }, (_, t) => ({ id: randomUUID(), bytes: png(8, 8, 1, 100 + t) }));
  const camerasAt = (t: number) => [
    { camera: "front", frameId: front[t]!.id, url: API.frame(projectId, front[t]!.id) },
    { camera: "wrist", frameId: wrist[t]!.id, url: API.frame(projectId, wrist[t]!.id) },
  ];

  beforeAll(async () => {
    const db = h.database.db;
    lead = await makeUser(db, "Lead");
    outsider = await makeUser(db, "Outsider");
    projectId = (await createProject(db, lead, { name: "two-camera robot", external: { observationSpace: SPACE, actionSpace: { type: "discrete", n: 3 } } })).id;
    await db.insert(rounds).values({ projectId, index: 0, status: "published" });
    const [round] = await db.insert(rounds).values({ projectId, index: 1, status: "collecting" }).returning();
    await uploadFrameBatch(db, lead, projectId, frameBatch([...front, ...wrist]));
    const steps = front.map((f, t) => ({ observation: { wrist: wrist[t]!.id, front: f.id, state: [t / 10, 0] }, policyAction: t % 3 }));
    await addExternalRollouts(db, lead, projectId, { rollouts: [{ steps }] });
    // The round's tasks: every state of the rollout, as the labelling transition would create them.
    const rows = await db.select({ id: states.id, t: states.t }).from(states).where(eq(states.projectId, projectId)).orderBy(asc(states.t));
    await db.insert(tasks).values(rows.map((s, i) => ({ projectId, roundId: round!.id, stateId: s.id, required: 1, createdAt: new Date(Date.now() - 60_000 + i) })));
    await db.update(rounds).set({ status: "labeling" }).where(eq(rounds.id, round!.id));
  });

  it("tasks/next carries each camera's frame id in key order, for the state and every step of its replay context", async () => {
    const db = h.database.db;
    const task = await claimNextTask(db, lead, projectId, {});
    expect(task).not.toBeNull();
    const t = task!.state.t;
    expect(task!.state.cameras).toEqual(camerasAt(t));
    // The state's frame (what a single-image client shows) is the main camera's, the first in key order.
    expect(task!.state.frameUrl).toBe(API.frame(projectId, front[t]!.id));
    expect(task!.context.before.map((b) => b.cameras)).toEqual(task!.context.before.map((b) => camerasAt(b.t)));
    await releaseTask(db, lead, task!.task.id);
  });

  it("the batched claim and the ride-along carry the same cameras", async () => {
    const db = h.database.db;
    const { tasks: claimed } = await claimTasks(db, lead, projectId, { count: STEPS });
    expect(claimed).toHaveLength(STEPS);
    for (const c of claimed) {
      expect(c.state.cameras).toEqual(camerasAt(c.state.t));
      expect(c.context.before.map((b) => b.cameras)).toEqual(c.context.before.map((b) => camerasAt(b.t)));
    }
    for (const c of claimed) await releaseTask(db, lead, c.task.id);
    const ride = await claimRideAlong(db, lead, projectId, {});
    expect(ride!.steps.map((s) => s.cameras)).toEqual(ride!.steps.map((s) => camerasAt(s.t)));
  });

  it("serves each camera's bytes to members, and to no one else", async () => {
    const db = h.database.db;
    for (const f of [front[1]!, wrist[1]!]) {
      const got = await getFrame(db, lead, projectId, f.id);
      expect(Buffer.compare(Buffer.from(got.bytes), Buffer.from(f.bytes))).toBe(0);
      await expect(getFrame(db, outsider, projectId, f.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
  });
});
