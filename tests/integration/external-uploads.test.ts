/**
 * External uploads on both engines, through the services: rollouts with client ids are stored once however often
 * they are sent (alone or in a batch with new ones); an id from an earlier round is a conflict; a frame batch is
 * all-or-nothing, names a bad frame, and stores each frame id once; intervention steps get no labelling task and
 * become `intervention` samples exactly once when the round aggregates (twice asked, once done).
 */
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { datasetSamples, frames, rollouts, rounds, states, tasks } from "../../db/schema";
import { runAggregation } from "../../server/rounds/steps/aggregate";
import type { TUser } from "../../contracts/auth";
import { createProject } from "../../server/projects/create-project";
import { addExternalRollouts } from "../../server/rollouts/add-external-rollout";
import { uploadFrameBatch } from "../../server/rollouts/frames";
import { closeRound } from "../../server/rounds/close-round";
import { roundProgress } from "../../server/rounds/round-view";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function batch(records: { id: string; bytes: Uint8Array }[]): Uint8Array {
  const parts = records.map(({ id, bytes }) => {
    const r = new Uint8Array(20 + bytes.length);
    r.set(Buffer.from(id.replace(/-/g, ""), "hex"));
    new DataView(r.buffer).setUint32(16, bytes.length);
    r.set(bytes, 20);
    return r;
  });
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const rollout = (id: string, n: number, intervene: (t: number) => boolean = () => false) => ({
  id,
  seed: 1,
  steps: Array.from({ length: n }, (_, t) => ({ observation: [t / 10, 0], policyAction: 0, ...(intervene(t) ? { intervention: { action: 1 } } : {}) })),
});

describeEngines("external uploads: idempotent rollouts and frames, interventions once", (h) => {
  let lead: TUser;
  let projectId: string;
  let roundId: string;

  beforeAll(async () => {
    const db = h.database.db;
    lead = await makeUser(db, "Lead");
    const p = await createProject(db, lead, {
      name: "robot",
      external: { observationSpace: { type: "box", shape: [2], low: [-5, -5], high: [5, 5] }, actionSpace: { type: "discrete", n: 2 } },
      settings: { selection: "all", statesPerRound: 1000 },
    });
    projectId = p.id;
    // Round 0 done (its policy is not needed to take rollouts), round 1 collecting.
    await db.insert(rounds).values({ projectId, index: 0, status: "published" });
    const [r1] = await db.insert(rounds).values({ projectId, index: 1, status: "collecting" }).returning();
    roundId = r1!.id;
  });

  it("stores a rollout once however often its id is sent, and refuses an id from an earlier round", async () => {
    const db = h.database.db;
    const [a, b] = [randomUUID(), randomUUID()];
    const first = await addExternalRollouts(db, lead, projectId, { rollouts: [rollout(a, 5)] });
    expect(first.rollouts.map((r) => r.duplicate)).toEqual([false]);
    const again = await addExternalRollouts(db, lead, projectId, { rollouts: [rollout(a, 5), rollout(b, 3)] });
    expect(again.rollouts.map((r) => [r.id, r.duplicate])).toEqual([[a, true], [b, false]]);
    expect(again.rollouts[0]!.rolloutId).toBe(first.rollouts[0]!.rolloutId);
    expect(await roundProgress(db, roundId)).toMatchObject({ rollouts: 2, states: 8 });
    await expect(addExternalRollouts(db, lead, projectId, { rollouts: [rollout(b, 3), rollout(b, 3)] })).rejects.toMatchObject({ code: "UNPROCESSABLE" });

    const [old] = await db.insert(rounds).values({ projectId, index: 99, status: "published" }).returning();
    const stale = randomUUID();
    await db.insert(rollouts).values({ projectId, roundId: old!.id, source: "external", length: 0, clientId: stale });
    await expect(addExternalRollouts(db, lead, projectId, { rollouts: [rollout(stale, 2)] })).rejects.toMatchObject({ code: "CONFLICT" });
    await db.delete(rounds).where(eq(rounds.id, old!.id));
  });

  it("stores a frame batch all or nothing, names a bad frame, and keeps each id once", async () => {
    const db = h.database.db;
    const count = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(frames).where(eq(frames.projectId, projectId)))[0]!.n;
    const [f1, f2, f3] = [randomUUID(), randomUUID(), randomUUID()];
    await expect(uploadFrameBatch(db, lead, projectId, batch([{ id: f1, bytes: PNG }, { id: f2, bytes: new TextEncoder().encode("GIF89a") }]))).rejects.toMatchObject({
      code: "UNPROCESSABLE",
      details: { fieldErrors: { "frames.1": [`frame 1 (${f2}) is not a PNG or JPEG image`] } },
    });
    expect(await count()).toBe(0);
    expect((await uploadFrameBatch(db, lead, projectId, batch([{ id: f1, bytes: PNG }, { id: f2, bytes: PNG }]))).frames.map((f) => f.duplicate)).toEqual([false, false]);
    expect((await uploadFrameBatch(db, lead, projectId, batch([{ id: f2, bytes: PNG }, { id: f3, bytes: PNG }]))).frames.map((f) => f.duplicate)).toEqual([true, false]);
    expect(await count()).toBe(3);
  });

  it("makes no task for an intervention step and adds it to the dataset once, as an `intervention` sample", async () => {
    const db = h.database.db;
    const id = randomUUID();
    await addExternalRollouts(db, lead, projectId, { rollouts: [rollout(id, 10, (t) => t % 3 === 0)] });
    await addExternalRollouts(db, lead, projectId, { rollouts: [rollout(id, 10, (t) => t % 3 === 0)] });
    const progress = await roundProgress(db, roundId);
    expect(progress).toMatchObject({ rollouts: 3, states: 18, interventions: 4 });
    expect(progress.interventionRate).toBeCloseTo(4 / 18, 12);

    expect((await closeRound(db, lead, projectId, 1)).status).toBe("labeling");
    const taskStates = await db.select({ intervention: states.intervention }).from(tasks).innerJoin(states, eq(states.id, tasks.stateId)).where(eq(tasks.roundId, roundId));
    expect(taskStates).toHaveLength(14);
    expect(taskStates.every((s) => !s.intervention)).toBe(true);

    expect((await closeRound(db, lead, projectId, 1)).status).toBe("aggregating");
    await runAggregation(db, roundId);
    await runAggregation(db, roundId);
    const samples = await db.select({ action: datasetSamples.action }).from(datasetSamples).where(and(eq(datasetSamples.projectId, projectId), eq(datasetSamples.source, "intervention")));
    expect(samples).toHaveLength(4);
    expect(samples.every((s) => s.action === 1)).toBe(true);
  });
});
