/**
 * db/bulk-insert.ts on PGlite and PostgreSQL: rows keep their order (serial ids follow it) and their values
 * (jsonb as given, NaN in a double column, nulls, defaults for absent keys), `on conflict do nothing`
 * skips duplicates, and a NOT NULL column missing from some rows is refused before anything is written;
 * `insertJsonRows` takes rows already encoded (as the import's worker sends them) with fixed columns beside.
 */
import { asc, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { bulkInsert, insertJsonRows } from "../../db/bulk-insert";
import { aggregatedLabels, datasetSamples, rollouts, rounds, states } from "../../db/schema";
import { createProject } from "../../server/projects/create-project";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

describeEngines("bulkInsert", (h) => {
  let projectId: string;
  beforeAll(async () => {
    const lead = await makeUser(h.database.db, "Bulk lead");
    projectId = (await createProject(h.database.db, lead, { name: "bulk", envId: "CartPole-v1" })).id;
  });

  it("inserts in array order with the values as given, and defaults for absent keys", async () => {
    const db = h.database.db;
    const rows = Array.from({ length: 7003 }, (_, i) => ({
      projectId,
      version: 42,
      stateId: null,
      observation: [i, 1.2345678901234567, -1e-30, i % 2 ? 0.5 : -0.5],
      action: i % 3 === 0 ? [0.25, -1] : i % 3,
      source: i % 2 ? "label" : "gold",
      frameIndex: i,
    }));
    await db.transaction((tx) => bulkInsert(tx, datasetSamples, rows, { chunkSize: 2000 }));
    const back = await db.select().from(datasetSamples).where(eq(datasetSamples.version, 42)).orderBy(asc(datasetSamples.id));
    expect(back).toHaveLength(rows.length);
    back.forEach((r, i) => {
      const want = rows[i]!;
      expect([r.frameIndex, r.observation, r.action, r.source, r.stateId, r.episode]).toEqual([want.frameIndex, want.observation, want.action, want.source, null, 0]);
    });
  });

  it("skips conflicting rows with onConflictDoNothing, keeps NaN, and refuses a NOT NULL column missing from some rows", async () => {
    const db = h.database.db;
    const [round] = await db.insert(rounds).values({ projectId, index: 7, status: "aggregating" }).returning();
    const [rollout] = await db.insert(rollouts).values({ projectId, roundId: round!.id, source: "expert", length: 3 }).returning();
    const stateRows = await db.insert(states).values([0, 1, 2].map((t) => ({ projectId, rolloutId: rollout!.id, t, observation: [t] }))).returning({ id: states.id });
    const row = (i: number, agreement: number) => ({ roundId: round!.id, stateId: stateRows[i]!.id, actions: [[i, 0.5]], agreement, labelCount: 2, status: "accepted" as const });
    await bulkInsert(db, aggregatedLabels, [row(0, 1), { ...row(1, Number.NaN), spread: 0.1, reason: "x" }]);
    await bulkInsert(db, aggregatedLabels, [row(0, 0.2), row(2, 0.75)], { onConflictDoNothing: true });
    const back = await db.select().from(aggregatedLabels).where(eq(aggregatedLabels.roundId, round!.id));
    const byState = new Map(back.map((r) => [r.stateId, r]));
    expect(byState.get(stateRows[0]!.id)).toMatchObject({ agreement: 1, actions: [[0, 0.5]], spread: null, reason: null });
    expect(byState.get(stateRows[1]!.id)?.agreement).toBeNaN();
    expect(byState.get(stateRows[1]!.id)).toMatchObject({ spread: 0.1, reason: "x" });
    expect(byState.get(stateRows[2]!.id)?.agreement).toBe(0.75);
    await expect(bulkInsert(db, aggregatedLabels, [row(2, 1), { ...row(1, 1), labelCount: undefined as unknown as number }])).rejects.toThrow(/NOT NULL column label_count/);
  });

  it("insertJsonRows inserts rows encoded elsewhere, in their order, with the fixed columns given once", async () => {
    const db = h.database.db;
    const rows = Array.from({ length: 1203 }, (_, i) => ({ observation: [i, -0.5, 1e-9], action: i % 2 ? [0.25, -1] : i % 4, source: i % 3 ? "import" : "expért", episode: Math.floor(i / 100), frame_index: i % 100 }));
    // As text, and as UTF-8 bytes (what the import's worker sends: decoded by the statement).
    const keys = ["observation", "action", "source", "episode", "frameIndex"] as const;
    await insertJsonRows(db, datasetSamples, keys, JSON.stringify(rows.slice(0, 600)), { projectId, version: 43 });
    await insertJsonRows(db, datasetSamples, keys, new TextEncoder().encode(JSON.stringify(rows.slice(600))), { projectId, version: 43 });
    const back = await db.select().from(datasetSamples).where(eq(datasetSamples.version, 43)).orderBy(asc(datasetSamples.id));
    expect(back.map((r) => ({ observation: r.observation, action: r.action, source: r.source, episode: r.episode, frame_index: r.frameIndex }))).toEqual(rows);
    expect(new Set(back.map((r) => `${r.projectId} ${r.stateId}`))).toEqual(new Set([`${projectId} null`]));
    await expect(insertJsonRows(db, datasetSamples, ["observation", "nope" as "source"], "[]", { projectId })).rejects.toThrow(/nope is not a column/);
  });
});
