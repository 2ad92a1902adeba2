/**
 * Lead-only: imports a dataset (demonstrations, or another project's export) in the `jsonl` format or as a
 * LeRobot `.tar` (`lerobot`: v3.0, or v2.x per-episode Parquet; parse-lerobot-tar.ts). Lines and rows are
 * validated as they are staged, a page at a time (one pass, never the whole file as objects) — by a worker
 * thread that sends them as insert JSON (server/datasets/import-rows.ts), or in this thread for a `.tar` into a
 * project with cameras — and the first bad line or row is reported with nothing left written. The project then
 * gets a new round (the next index, or 0) holding the samples as its dataset version (same sources, episodes
 * and frame indices; the checksum depends only on content, so an export re-imported into an
 * empty project has the same counts and checksum). The round goes on like any other: train → evaluate →
 * publish; its audit entries say it was imported.
 *
 * Never stalling other requests (a 23 MB import once froze the embedded database for 4.25 s): parsing and
 * hashing run in the worker (or in slices that give way to the event loop: server/batching/cooperative.ts), and
 * the samples are written in batches of ~10–15 ms on PGlite, each its own statement, instead of one long
 * transaction holding PGlite's only connection. All or nothing all the same, in three steps:
 *
 * 1. **reserve** (one short transaction): the round is created as `aggregating` with `options.imported.staging`
 *    — which also stops a concurrent import or round start (the last round is not published) — and no dataset
 *    version yet;
 * 2. **stage**: the samples go in with the new version number, which no reader asks for before its
 *    `dataset_versions` row exists (every sample query reads `version ≤` a committed version);
 * 3. **publish** (one short transaction): the dataset version row, audit entries, and the move to `training`
 *    with its train job. Only now is anything visible.
 *
 * Any failure after step 1 deletes the staged samples and the round again (`discardImport`); an import whose
 * process died is discarded by the next import or start-up once its heartbeat is stale.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { TDatasetFormat, TDatasetImportResult } from "../../contracts/datasets";
import { IMPORT_ROW_KEYS } from "../../contracts/import-rows-protocol";
import { bulkInsert, insertJsonRows } from "../../db/bulk-insert";
import type { Db } from "../../db/client";
import { auditLog, datasetSamples, datasetVersions, policies, projects, rounds, type Round } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { inBatches, yieldToEventLoop } from "../batching/cooperative";
import { AppError } from "../errors";
import { projectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { openRound } from "./open-round";
import { transitionRound } from "./round-machine";
import { discardImport, discardStaleImports, IMPORT_HEARTBEAT_MS } from "../datasets/discard-import";
import { openImport, type ImportBody, type ImportOptions } from "../datasets/open-import";
import type { ImportRows, RowsSummary } from "../datasets/import-rows";
import { PageSizer } from "../datasets/sample-pages";
import { importImageStager } from "../datasets/stage-import-images";
import { addToChecksumSliced, combineChecksums, countBySource, EMPTY_CHECKSUM } from "../datasets/version-content";
import type { DatasetSampleInput } from "../datasets/write-version";
import { isPublishedIn, LATEST_PUBLISHED_FIRST } from "../policies/latest-published";
import { withTightHeap } from "../heap-growth";

interface ImportInfo {
  format: TDatasetFormat;
  samples: number;
  episodes: number;
}

export async function importDataset(db: Db, caller: Caller, projectId: string, format: TDatasetFormat, body: ImportBody, options: ImportOptions = {}): Promise<TDatasetImportResult> {
  // Its garbage is collected promptly rather than piling up in the old generation (server/heap-growth.ts).
  return withTightHeap(() => runImport(db, caller, projectId, format, body, options));
}

async function runImport(db: Db, caller: Caller, projectId: string, format: TDatasetFormat, body: ImportBody, options: ImportOptions): Promise<TDatasetImportResult> {
  await authorizeProject(db, caller, projectId, "lead");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new AppError("NOT_FOUND", "Project not found");
  const spec = projectSpec(project);
  const source = await openImport(format, body, spec, options);
  try {
    const info: ImportInfo = { format, samples: source.samples, episodes: source.episodes };
    await discardStaleImports(db, projectId);
    const round = await reserveRound(db, projectId, info);
    try {
      const staged = source.kind === "rows" ? await stageRows(db, round, source.rows) : await stageSamples(db, round, source.batches());
      info.samples = source.samples;
      info.episodes = source.episodes;
      return await publishImport(db, caller, round, info, staged);
    } catch (err) {
      await discardImport(db, round).catch((cleanupErr: unknown) => {
        console.error(`[import] could not discard the failed import of round ${round.index} (the next import or start-up will): ${String(cleanupErr)}`);
      });
      throw err;
    }
  } finally {
    await source.close().catch((err: unknown) => console.error(`[import] could not delete the import's temporary files: ${String(err)}`));
  }
}

/** What step 2 wrote: the added samples' checksum and counts by source. */
interface Staged {
  checksum: string;
  bySource: Record<string, number>;
}

/** Step 1: the next round index, reserved by a round in `aggregating` marked as a staging import. */
async function reserveRound(db: Db, projectId: string, info: ImportInfo): Promise<Round> {
  return db.transaction(async (tx) => {
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update");
    const [last] = await tx.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1);
    if (last && last.status !== "published") {
      throw new AppError("CONFLICT", `Round ${last.index} is still ${last.status}; import when no round is in progress`);
    }
    const index = last ? last.index + 1 : 0;
    const [clash] = await tx.select({ v: datasetVersions.version }).from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, index)));
    if (clash) throw new AppError("CONFLICT", `Dataset version ${index} already exists`);
    const [current] = await tx
      .select({ id: policies.id })
      .from(policies)
      .where(isPublishedIn(projectId))
      .orderBy(...LATEST_PUBLISHED_FIRST)
      .limit(1);
    // The `round.started` entry is written when the import becomes visible (publishImport).
    const { round } = await openRound(tx, { projectId, index, status: "aggregating", policyId: current?.id ?? null, beta: index === 0 ? 1 : 0, options: { imported: { ...info, staging: true } }, audit: null });
    return round;
  });
}

/**
 * Keeps the reserved round alive while step 2 writes (its `updated_at`, at most every IMPORT_HEARTBEAT_MS), and
 * stops the import once the round is gone (cancelled: deleted, or discarded as stale).
 */
function heartbeat(db: Db, round: Round): () => Promise<void> {
  let beat = performance.now();
  return async () => {
    if (performance.now() - beat <= IMPORT_HEARTBEAT_MS) return;
    beat = performance.now();
    const alive = await db.update(rounds).set({ updatedAt: sql`now()` }).where(and(eq(rounds.id, round.id), eq(rounds.status, "aggregating"))).returning({ id: rounds.id });
    if (alive.length === 0) throw cancelled(round.index);
  };
}

/** Step 2: the samples, as version `round.index`, page by page in short batches with a heartbeat on the round (gone: stop). */
async function stageSamples(db: Db, round: Round, pages: AsyncIterable<DatasetSampleInput[]> | Iterable<DatasetSampleInput[]>): Promise<Staged> {
  const alive = heartbeat(db, round);
  let checksum = EMPTY_CHECKSUM;
  let bySource: Record<string, number> = {};
  // Samples with camera images (a `Dict`-observation import) get their frames and a state first.
  const stageImages = importImageStager(db, round);
  for await (const read of pages) {
    const page = await stageImages(read);
    await inBatches(page, async (batch) => {
      await bulkInsert(db, datasetSamples, batch.map((s) => ({ projectId: round.projectId, version: round.index, ...s })));
      await alive();
    });
    checksum = await addToChecksumSliced(checksum, page);
    bySource = countBySource({ bySource }, page);
  }
  return { checksum, bySource };
}

/**
 * Step 2 for rows a worker prepared (JSONL, or a `.tar` without cameras: server/datasets/import-rows.ts): each
 * batch is one insert of the worker's JSON bytes, sized like an export's pages (server/datasets/sample-pages.ts:
 * PostgreSQL takes the largest, PGlite — which runs in this thread — batches of ~15 ms); the checksum and counts
 * are the worker's.
 */
async function stageRows(db: Db, round: Round, rows: ImportRows): Promise<Staged> {
  const alive = heartbeat(db, round);
  const sizer = new PageSizer(db, ROW_BATCH);
  for (let batch = await rows.next(sizer.size); batch; batch = await rows.next(sizer.size)) {
    const started = performance.now();
    await insertJsonRows(db, datasetSamples, IMPORT_ROW_KEYS, batch.json, { projectId: round.projectId, version: round.index });
    sizer.took(batch.count, performance.now() - started);
    await alive();
    await yieldToEventLoop();
  }
  const summary = rows.summary as RowsSummary;
  return { checksum: summary.checksum, bySource: summary.bySource };
}

/** The most rows one insert of an import carries (what bulkInsert puts in one statement). */
const ROW_BATCH = 5000;

const cancelled = (index: number) => new AppError("CONFLICT", `The import into round ${index} was cancelled while it ran; import again`);

/** Step 3: the version becomes visible and the round moves on to training, in one short transaction. */
async function publishImport(db: Db, caller: Caller, reserved: Round, info: ImportInfo, staged: Staged): Promise<TDatasetImportResult> {
  const { projectId, index } = reserved;
  return transactionWithEvents(db, async (tx, emit) => {
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update");
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, reserved.id)).for("update");
    if (!round || round.status !== "aggregating") throw cancelled(index);
    const [prev] = await tx
      .select()
      .from(datasetVersions)
      .where(and(eq(datasetVersions.projectId, projectId), sql`${datasetVersions.version} < ${index}`))
      .orderBy(desc(datasetVersions.version))
      .limit(1);
    const bySource = { ...((prev?.counts as { bySource?: Record<string, number> } | undefined)?.bySource ?? {}) };
    for (const [source, n] of Object.entries(staged.bySource)) bySource[source] = (bySource[source] ?? 0) + n;
    const checksum = combineChecksums(prev?.checksum ?? EMPTY_CHECKSUM, staged.checksum);
    const added = info.samples;
    await tx.insert(datasetVersions).values({
      projectId,
      version: index,
      roundId: round.id,
      sampleCount: (prev?.sampleCount ?? 0) + added,
      addedCount: added,
      counts: { bySource, added },
      checksum,
    });
    await tx.update(rounds).set({ options: { imported: info } }).where(eq(rounds.id, round.id));
    await tx.insert(auditLog).values([
      { projectId, actorId: caller.id, action: "round.started", targetType: "round", targetId: round.id, data: { index, reason: "dataset imported" } },
      { projectId, actorId: caller.id, action: "dataset.imported", targetType: "dataset_version", targetId: String(index), data: { ...info, checksum } },
    ]);
    const moved = await transitionRound(tx, round, "training", { actorId: caller.id, reason: "dataset imported", set: { datasetVersion: index } });
    await tx.update(projects).set({ updatedAt: sql`now()` }).where(eq(projects.id, projectId));
    emit(moved.event);
    return { version: index, roundIndex: index, samples: added, episodes: info.episodes, checksum, bySource };
  });
}
