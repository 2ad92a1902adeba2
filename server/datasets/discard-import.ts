/**
 * Undoing a dataset import that did not finish (server/rounds/import-dataset.ts): its staged samples are
 * deleted in short batches (never one long statement on the embedded database), then the frames and states of
 * its camera images (stage-import-images.ts), then its reserved round.
 * Only rounds still marked `options.imported.staging` are touched, so a published import is never undone.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { datasetSamples, rounds, type Round } from "../../db/schema";
import { yieldToEventLoop } from "../batching/cooperative";
import { discardImportImages } from "./stage-import-images";

/** A running import touches its round this often; one silent for {@link IMPORT_STALE_MS} is dead. */
export const IMPORT_HEARTBEAT_MS = 2_000;
export const IMPORT_STALE_MS = 2 * 60_000;
const DELETE_BATCH = 2_000;

const staging = sql`${rounds.options} -> 'imported' ->> 'staging' = 'true'`;

export async function discardImport(db: Db, round: Pick<Round, "id" | "projectId" | "index">): Promise<void> {
  for (;;) {
    const result = await db.execute(sql`
      delete from ${datasetSamples} where id in (
        select id from ${datasetSamples} where project_id = ${round.projectId} and version = ${round.index} limit ${DELETE_BATCH})`);
    if (!result.rowCount) break;
    await yieldToEventLoop();
  }
  await discardImportImages(db, round);
  await db.delete(rounds).where(and(eq(rounds.id, round.id), staging));
}

/** Discards imports (of one project, or all) whose process stopped: start-up, and before each import. */
export async function discardStaleImports(db: Db, projectId?: string): Promise<number> {
  const stale = await db
    .select({ id: rounds.id, projectId: rounds.projectId, index: rounds.index })
    .from(rounds)
    .where(and(staging, sql`${rounds.updatedAt} < now() - (${IMPORT_STALE_MS} * interval '1 millisecond')`, projectId ? eq(rounds.projectId, projectId) : undefined));
  for (const round of stale) await discardImport(db, round);
  return stale.length;
}
