/**
 * The trainer's read of a dataset version (server/datasets/sample-pages.ts `trainingSamples`), on PGlite and
 * PostgreSQL: paged over the primary key, it returns exactly what one query ordered by id returned — every
 * sample of version ≤ v of this project, none of another's or of a later version, in id order (a seeded run
 * keeps training the same policy) — across pages (PGlite's first are 100 rows; PostgreSQL's 5,000).
 */
import { and, asc, eq, lte } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { bulkInsert } from "../../db/bulk-insert";
import { datasetSamples } from "../../db/schema";
import { trainingSamples } from "../../server/datasets/sample-pages";
import { createProject } from "../../server/projects/create-project";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

describeEngines("trainingSamples", (h) => {
  let mine: string;
  let other: string;
  beforeAll(async () => {
    const lead = await makeUser(h.database.db, "Training reader");
    mine = (await createProject(h.database.db, lead, { name: "mine", envId: "CartPole-v1" })).id;
    other = (await createProject(h.database.db, lead, { name: "other", envId: "CartPole-v1" })).id;
    // Interleaved projects and versions, so that ids of this project's version ≤ 1 are not contiguous.
    const rows = Array.from({ length: 5_600 }, (_, i) => ({
      projectId: i % 4 === 3 ? other : mine,
      version: i % 5 === 4 ? 2 : i % 2,
      stateId: null,
      observation: [i, i / 7, -i, 0.5],
      action: i % 2,
      source: "expert",
    }));
    await bulkInsert(h.database.db, datasetSamples, rows);
  });

  it("reads every sample of version ≤ v of the project, in id order, across pages", async () => {
    const db = h.database.db;
    const expected = await db
      .select({ stateId: datasetSamples.stateId, observation: datasetSamples.observation, action: datasetSamples.action })
      .from(datasetSamples)
      .where(and(eq(datasetSamples.projectId, mine), lte(datasetSamples.version, 1)))
      .orderBy(asc(datasetSamples.id));
    expect(expected.length).toBeGreaterThan(3_000);
    const got = await trainingSamples(db, mine, 1);
    expect(got).toEqual(expected);
    expect(await trainingSamples(db, mine, 2)).toHaveLength(expected.length + (await db.select().from(datasetSamples).where(and(eq(datasetSamples.projectId, mine), eq(datasetSamples.version, 2)))).length);
    expect(await trainingSamples(db, other, -1)).toEqual([]);
  });
});
