/**
 * Reading a dataset version page by page — in id order for training ({@link trainingSamples}), in episode
 * order for exports. The exports': a keyset cursor over
 * `(version, episode, frame_index, id)` — served by `dataset_samples_episode_order_idx`, so each page is an
 * index range scan, never a sort of the whole project — joined with what LeRobot rows carry besides the
 * sample: the aggregated label's labeller count and agreement, and the state's frames (when asked: its own
 * frame, or each camera's of an image observation).
 *
 * A page is one text of tab-separated lines ({@link SamplePage}), built by the database (`string_agg`): this
 * thread receives one string per page instead of ten fields per row (pg's row parsing and its garbage were
 * most of this thread's time in a 100k export), and hands it to the Parquet encoder's worker thread as it is
 * (export-dataset-lerobot.ts), which splits and parses it there. Observation and action stay the jsonb's text,
 * as one JSON array `[observation,action]` per row with the spaces of jsonb's output removed (numbers only),
 * which the worker writes as `corrective.exact` as it is. Pages with images are read row by row (their
 * frames come from the blob store or a renderer) and packed the same way here. At most one page is in memory
 * here at a time; every page is a database round trip, so the event loop gets a turn between pages (the
 * point: a 100k-sample export must not stall other requests, see bench/export.ts).
 */
import { sql, type SQL } from "drizzle-orm";
import type { SamplePage } from "../../contracts/dataset-writer-protocol";
import { isEmbedded, type Db } from "../../db/client";
import { yieldToEventLoop } from "../batching/cooperative";
import { getBlobStore } from "../blobs/registry";

/** The most rows per page: 5,000 rows of a 4–64-d sample are a few MB (more with frames: pass a smaller `pageSize`). */
export const SAMPLE_PAGE_SIZE = 5000;
/**
 * On PGlite pages adapt their size so that one query takes about this long (ms): the query runs in the
 * server's own thread (WASM), so a 5,000-row page stalled every other request for its whole duration
 * (0.1–0.4 s measured under load). PostgreSQL pages are always the maximum: the query runs elsewhere, and
 * smaller pages only add round trips (measured: shrinking them there under load halved the throughput).
 */
const PAGE_TARGET_MS = 15;
const FIRST_PAGE = 100;
const MIN_PAGE = 100;
/**
 * The most rows a PGlite page may grow to: a size learnt in a quiet moment runs long when the machine gets
 * busy (a 3,000-row page measured at ~100 ms on the loaded 2-core bench machine; 2,000 rows take ~20 ms idle).
 */
const MAX_EMBEDDED_PAGE = 2000;

/**
 * The size of the next page: on PGlite it adapts so that a query takes about {@link PAGE_TARGET_MS}, from
 * {@link FIRST_PAGE} rows — small, because the first queries also run the database's WASM before the engine
 * has optimised it (a JSONL export's first page: 44 ms for 500 rows, later pages of 1,000 ~11 ms; starting at
 * 100 its slowest page took ~20 ms, idle machine); on PostgreSQL it is always `max`.
 */
export class PageSizer {
  private readonly adaptive: boolean;
  size: number;
  constructor(
    db: Db,
    private max: number,
  ) {
    this.adaptive = isEmbedded(db);
    if (this.adaptive) this.max = Math.min(max, MAX_EMBEDDED_PAGE);
    this.size = this.adaptive ? Math.min(this.max, FIRST_PAGE) : max;
  }

  /** A page of `rows` rows took `tookMs`: the next one's size. */
  took(rows: number, tookMs: number): void {
    if (!this.adaptive) return;
    // Halfway towards the size that would have taken PAGE_TARGET_MS (damped: timings are noisy under load).
    const ms = Math.max(0.5, tookMs);
    this.size = Math.round(Math.min(this.max, Math.max(Math.min(MIN_PAGE, this.max), (this.size + (rows * PAGE_TARGET_MS) / ms) / 2)));
  }
}

/** Where a page ends in `(version, episode, frame_index, id)` order: the next page starts after it. */
export type Cursor = [number, number, number, number];
export const CURSOR_START: Cursor = [-1, -1, -1, -1];

/**
 * `FROM dataset_samples s … LIMIT`: the next `limit` samples of version ≤ `version` after `after`, in episode
 * order — the keyset that `dataset_samples_episode_order_idx` serves (run it through {@link pageQuery});
 * `joins` go after the table. The exports' pages, LeRobot and JSONL, are this window.
 */
export function episodeOrderWindow(projectId: string, version: number, after: Cursor, limit: number, joins: SQL = sql``): SQL {
  return sql`
      FROM dataset_samples s
      ${joins}
      WHERE s.project_id = ${projectId} AND s.version <= ${version}
        AND (s.version, s.episode, s.frame_index, s.id) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})
      ORDER BY s.version, s.episode, s.frame_index, s.id
      LIMIT ${limit}`;
}

interface FrameRow extends Record<string, unknown> {
  id: string | number;
  version: number;
  episode: number;
  frame_index: number;
  sample: string;
  source: string;
  state_id: string | null;
  label_count: number | null;
  agreement: number | null;
  /** Per image column k: `frame_k` (a not yet moved frame's bytes) and `blob_k` (its blob's hash). */
  env_state?: number[] | null;
}

/**
 * Where an image column's frames come from: `null` for the state's own frame (`states.frame_id`: the picture
 * stored for people), a camera key for that camera's frame of an image observation (`states.images`).
 */
export type FrameColumn = string | null;

/** The fields of a page line after the cursor's four, as SQL (the line format of {@link SamplePage}). */
const SAMPLE_TEXT = sql`replace('[' || s.observation::text || ',' || s.action::text || ']', ' ', '')`;

/**
 * `frames`: image columns of stored frames (blob store, or a not yet moved `bytea`), one per entry
 * ({@link FrameColumn}); `renderFrames`: the images of a built-in camera env, one per camera, rendered from each
 * state's env state (rendered-frames.ts) — rows without one get none.
 */
export async function* samplePages(
  db: Db,
  projectId: string,
  version: number,
  options: { frames?: readonly FrameColumn[]; renderFrames?: (envState: number[]) => Uint8Array[]; pageSize?: number } = {},
): AsyncGenerator<SamplePage> {
  const sizer = new PageSizer(db, options.pageSize ?? SAMPLE_PAGE_SIZE);
  const frames = options.frames ?? [];
  const render = options.renderFrames;
  let after: Cursor = CURSOR_START;
  for (;;) {
    const started = performance.now();
    const pageSize = sizer.size;
    const window = episodeOrderWindow(
      projectId,
      version,
      after,
      pageSize,
      sql`
      LEFT JOIN aggregated_labels al ON al.state_id = s.state_id AND al.dataset_version = s.version
      ${frames.length || render ? sql`LEFT JOIN states st ON st.id = s.state_id` : sql``}
      ${sql.join(frames.map((column, k) => sql`LEFT JOIN frames ${sql.raw(`f${k}`)} ON ${sql.raw(`f${k}`)}.id = ${column === null ? sql`st.frame_id` : sql`(st.images ->> ${column})::uuid`}`), sql` `)}`,
    );
    const page = frames.length || render ? await framePage(db, window, frames.length, render) : await packedPage(db, window);
    if (!page) return;
    const full = page.length === pageSize;
    sizer.took(page.length, performance.now() - started);
    after = lastCursor(page.rows);
    yield page;
    if (!full) return;
  }
}

/** A page without images: the lines aggregated by the database, in cursor order. */
async function packedPage(db: Db, window: SQL): Promise<SamplePage | null> {
  const [row] = await pageQuery<{ n: number; rows: string | null }>(
    db,
    sql`
      SELECT count(*)::int AS n,
             string_agg(concat_ws(E'\t', p.version, p.episode, p.frame_index, p.id, p.source, p.state_id, p.label_count, p.agreement, p.sample), E'\n'
                        ORDER BY p.version, p.episode, p.frame_index, p.id) AS rows
      FROM (
        SELECT s.version, s.episode, s.frame_index, s.id, to_json(s.source)::text AS source, coalesce(s.state_id::text, '') AS state_id,
               coalesce(al.label_count::text, '') AS label_count, coalesce(al.agreement::text, '') AS agreement, ${SAMPLE_TEXT} AS sample
        ${window}
      ) p`,
  );
  if (!row || row.n === 0 || row.rows === null) return null;
  return { length: row.n, rows: row.rows, images: [] };
}

/** A page with images: rows (their frames read or rendered here), packed as {@link packedPage}'s lines. */
async function framePage(db: Db, window: SQL, frames: number, render: ((envState: number[]) => Uint8Array[]) | undefined): Promise<SamplePage | null> {
  const frameFields = Array.from({ length: frames }, (_, k) => sql.raw(`, f${k}.bytes AS frame_${k}, f${k}.blob_hash AS blob_${k}`));
  const rows = await pageQuery<FrameRow>(
    db,
    sql`
      SELECT s.id, s.version, s.episode, s.frame_index, ${SAMPLE_TEXT} AS sample, s.source, s.state_id, al.label_count, al.agreement
             ${sql.join(frameFields, sql``)}${render ? sql`, st.env_state` : sql``}
      ${window}`,
  );
  if (rows.length === 0) return null;
  const lines = rows.map((r) =>
    [r.version, r.episode, r.frame_index, r.id, JSON.stringify(r.source), r.state_id ?? "", r.label_count ?? "", r.agreement === null ? "" : r.agreement, r.sample].join("\t"),
  );
  return { length: rows.length, rows: lines.join("\n"), images: await pageFrames(rows, frames, render) };
}

/** The cursor of a page's last line (its first four fields). */
function lastCursor(rows: string): Cursor {
  const fields = rows.slice(rows.lastIndexOf("\n") + 1).split("\t", 4);
  return [Number(fields[0]), Number(fields[1]), Number(fields[2]), Number(fields[3])];
}

/**
 * Runs one page's query with sorting disabled for the planner, in its own short transaction (`SET LOCAL`
 * via `set_config(…, true)`).
 *
 * Why: right after a bulk import the table has no statistics (PGlite never gathers any: no autovacuum), and
 * the planner, estimating ~80 rows, reads the WHOLE version through `dataset_samples_project_version_idx`,
 * sorts it and keeps one page — 30–50 ms a page on PostgreSQL for 100k samples, so an export was quadratic
 * (measured: most of a 100k export's 3.4 s were these sorts). Without a sort the only plan left is the
 * ordered scan of `dataset_samples_episode_order_idx` that stops after the page: ~2 ms for 5,000 rows.
 */
export async function pageQuery<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('enable_sort', 'off', true), set_config('enable_incremental_sort', 'off', true)`);
    return (await tx.execute<T>(query)).rows as T[];
  });
}

/** What the trainer reads of a sample. */
export interface TrainingSample {
  stateId: string | null;
  observation: number[];
  action: number | number[];
}

/**
 * Every sample of version ≤ `version`, in id order (the order training has always read them in: a seeded run
 * trains the same policy), read in pages over the primary key with a turn of the event loop between them.
 * Why: in one query, a 147k-sample dataset held PGlite — the server's own thread — for 227 ms, then its rows'
 * mapping for 94 ms more, right as an import was published (the round's training job starts at once).
 */
export async function trainingSamples(db: Db, projectId: string, version: number): Promise<TrainingSample[]> {
  const sizer = new PageSizer(db, SAMPLE_PAGE_SIZE);
  const out: TrainingSample[] = [];
  for (let after = -1; ; ) {
    const limit = sizer.size;
    const started = performance.now();
    const page = await pageQuery<{ id: number; state_id: string | null; observation: number[]; action: number | number[] }>(
      db,
      sql`SELECT s.id::float8 AS id, s.state_id, s.observation, s.action FROM dataset_samples s
          WHERE s.project_id = ${projectId} AND s.version <= ${version} AND s.id > ${after}
          ORDER BY s.id LIMIT ${limit}`,
    );
    sizer.took(page.length, performance.now() - started);
    for (const r of page) out.push({ stateId: r.state_id, observation: r.observation, action: r.action });
    const last = page[page.length - 1];
    if (page.length < limit || !last) return out;
    after = last.id;
    await yieldToEventLoop();
  }
}

/** A page's images, per image column: stored frames (each distinct blob read once) or rendered ones. */
async function pageFrames(rows: FrameRow[], frames: number, render: ((envState: number[]) => Uint8Array[]) | undefined): Promise<Array<Array<Uint8Array | null>>> {
  if (render) {
    const rendered = rows.map((r) => (r.env_state ? render(r.env_state) : null));
    const columns = rendered.find((r) => r !== null)?.length ?? 0;
    return Array.from({ length: columns }, (_, k) => rendered.map((r) => r?.[k] ?? null));
  }
  const blobs = await readBlobs(rows.flatMap((r) => Array.from({ length: frames }, (_, k) => (r[`blob_${k}`] as string | null) ?? null)));
  return Array.from({ length: frames }, (_, k) =>
    rows.map((r) => {
      const hash = r[`blob_${k}`] as string | null;
      const bytes = hash ? blobs.get(hash)! : ((r[`frame_${k}`] as Buffer | null) ?? null);
      return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
    }),
  );
}

/** Whether any sample of the version has a frame (decides whether the export has an image column). */
export async function firstFrame(db: Db, projectId: string, version: number): Promise<Buffer | null> {
  const result = await db.execute<{ bytes: Buffer | null; blob_hash: string | null }>(sql`
    SELECT f.bytes, f.blob_hash FROM dataset_samples s JOIN states st ON st.id = s.state_id JOIN frames f ON f.id = st.frame_id
    WHERE s.project_id = ${projectId} AND s.version <= ${version} LIMIT 1`);
  const row = result.rows[0];
  if (!row) return null;
  return row.blob_hash ? (await readBlobs([row.blob_hash])).get(row.blob_hash)! : row.bytes;
}

/** The bytes of frames from the blob store (each distinct blob read once). */
async function readBlobs(hashes: (string | null)[]): Promise<Map<string, Buffer>> {
  const store = getBlobStore();
  const out = new Map<string, Buffer>();
  for (const hash of new Set(hashes)) {
    if (!hash) continue;
    const bytes = await store.get(hash);
    if (!bytes) throw new Error(`blob ${hash} is missing from the blob store`);
    out.set(hash, bytes);
  }
  return out;
}
