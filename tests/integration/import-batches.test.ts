/**
 * The batched dataset import (server/rounds/import-dataset.ts) stays all-or-nothing although its samples
 * commit batch by batch: a failure after the reservation removes what was staged, and an import whose process
 * died is discarded once its heartbeat is stale.
 */
import { and, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { bulkInsert } from "../../db/bulk-insert";
import { auditLog, datasetSamples, datasetVersions, rounds } from "../../db/schema";
import { inBatches } from "../../server/batching/cooperative";
import { discardStaleImports } from "../../server/datasets/discard-import";
import { importDataset } from "../../server/rounds/import-dataset";
import { createProject } from "../../server/projects/create-project";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";
import { cartPoleJsonl } from "../helpers/health-probe";

describeEngines("batched dataset import", (h) => {
  const rowsOf = async (projectId: string) => {
    const db = h.database.db;
    const count = async (table: typeof datasetSamples | typeof rounds | typeof datasetVersions) =>
      (await db.select({ n: sql<number>`count(*)::int` }).from(table).where(eq(table.projectId, projectId)))[0]?.n;
    const audits = (await db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(and(eq(auditLog.projectId, projectId), sql`${auditLog.action} <> 'project.created'`)))[0]?.n;
    return { samples: await count(datasetSamples), rounds: await count(rounds), versions: await count(datasetVersions), audits };
  };

  it("an import cancelled while its batches are written leaves the project as it was", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Cancelled Import");
    const project = await createProject(db, lead, { name: "cancel", envId: "CartPole-v1" });
    const before = await rowsOf(project.id);
    const { text } = cartPoleJsonl(1024 * 1024);
    const running = importDataset(db, lead, project.id, "jsonl", text).then(() => null, (e: unknown) => e);
    // While it stages (the import gives way between batches), the reserved round disappears.
    for (let i = 0; i < 2000; i++) {
      const [staged] = await db.select({ n: sql<number>`count(*)::int` }).from(datasetSamples).where(eq(datasetSamples.projectId, project.id));
      if ((staged?.n ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const [reserved] = await db.select().from(rounds).where(eq(rounds.projectId, project.id));
    expect(reserved).toMatchObject({ status: "aggregating", datasetVersion: null, options: { imported: { staging: true } } });
    await db.delete(rounds).where(eq(rounds.id, reserved!.id));
    expect(await running).toMatchObject({ code: "CONFLICT" });
    expect(await rowsOf(project.id)).toEqual(before);
  });

  it("discards an import whose heartbeat stopped, and only that one", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Dead Import");
    const dead = await createProject(db, lead, { name: "dead", envId: "CartPole-v1" });
    const alive = await createProject(db, lead, { name: "alive", envId: "CartPole-v1" });
    for (const [projectId, age] of [[dead.id, "10 minutes"], [alive.id, "1 second"]] as const) {
      const [round] = await db
        .insert(rounds)
        .values({ projectId, index: 0, status: "aggregating", options: { imported: { format: "jsonl", samples: 3, episodes: 1, staging: true } }, updatedAt: sql`now() - ${age}::interval` })
        .returning();
      await bulkInsert(db, datasetSamples, [0, 1, 2].map((i) => ({ projectId, version: round!.index, stateId: null, observation: [i, 0, 0, 0], action: 0, source: "import", episode: 0, frameIndex: i })));
    }
    expect(await discardStaleImports(db)).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(dead.id)).toMatchObject({ samples: 0, rounds: 0 });
    expect(await rowsOf(alive.id)).toMatchObject({ samples: 3, rounds: 1 });
  });
});

it("inBatches adapts the batch size to the time a batch takes and covers every item once, in order", async () => {
  const items = Array.from({ length: 10_000 }, (_, i) => i);
  const seen: number[] = [];
  const sizes: number[] = [];
  await inBatches(
    items,
    async (batch, offset) => {
      expect(batch[0]).toBe(offset);
      sizes.push(batch.length);
      seen.push(...batch);
      const until = performance.now() + batch.length / 100; // 10 µs per item: 25 ms ≈ 2500 items
      while (performance.now() < until);
    },
    { targetMs: 25, initialSize: 100, minSize: 10, maxSize: 5000 },
  );
  expect(seen).toEqual(items);
  expect(sizes[0]).toBe(100);
  expect(Math.max(...sizes)).toBeGreaterThan(1000);
});
