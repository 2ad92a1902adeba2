/**
 * Reading a dataset version page by page, in episode order, for exports: a keyset cursor over
 * `(version, episode, frame_index, id)` — served by `dataset_samples_episode_order_idx`, so each page is an
 * index range scan, never a sort of the whole project — joined with what LeRobot rows carry besides the
 * sample: the aggregated label's labeller count and agreement, and the state's frame (when asked).
 *
 * Pages are columns, and observation/action stay the jsonb's text (`::text`): the page goes to the
 * Parquet encoder's worker thread as it is (export-dataset-lerobot.ts), which parses them there, so this
 * thread does no per-number work at all. At most one page is in memory here at a time; every page is a
 * database round trip, so the event loop gets a turn between pages (the point: a 100k-sample export must not
 * stall other requests, see bench/export.ts).
 */
import { sql, type SQL } from "drizzle-orm";
import type { SamplePage } from "../../contracts/dataset-writer-protocol";
import { isEmbedded, type Db } from "../../db/client";
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
const FIRST_PAGE = 500;
const MIN_PAGE = 100;

interface PageRow extends Record<string, unknown> {
  id: string | number;
  version: number;
  episode: number;
  frame_index: number;
  observation: string;
  action: string;
  source: string;
  state_id: string | null;
  label_count: number | null;
  agreement: number | null;
  frame: Buffer | null;
  blob_hash: string | null;
  env_state: number[] | null;
}

/**
 * `withFrames`: the states' stored frames (blob store, or a not yet moved `bytea`); `renderFrame`: images of a
 * built-in camera env, rendered from each state's env state (rendered-frames.ts) — rows without one get none.
 */
export async function* samplePages(
  db: Db,
  projectId: string,
  version: number,
  options: { withFrames?: boolean; renderFrame?: (envState: number[]) => Uint8Array; pageSize?: number } = {},
): AsyncGenerator<SamplePage> {
  const maxSize = options.pageSize ?? SAMPLE_PAGE_SIZE;
  const adaptive = isEmbedded(db);
  let pageSize = adaptive ? Math.min(maxSize, FIRST_PAGE) : maxSize;
  const frames = options.withFrames === true;
  const render = options.renderFrame;
  let after: [number, number, number, number] = [-1, -1, -1, -1];
  for (;;) {
    const started = performance.now();
    const rows = await pageQuery<PageRow>(
      db,
      sql`
      SELECT s.id, s.version, s.episode, s.frame_index, s.observation::text AS observation, s.action::text AS action,
             s.source, s.state_id, al.label_count, al.agreement, ${frames ? sql`f.bytes` : sql`NULL::bytea`} AS frame,
             ${frames ? sql`f.blob_hash` : sql`NULL::text`} AS blob_hash, ${render ? sql`st.env_state` : sql`NULL::jsonb`} AS env_state
      FROM dataset_samples s
      LEFT JOIN aggregated_labels al ON al.state_id = s.state_id AND al.dataset_version = s.version
      ${frames || render ? sql`LEFT JOIN states st ON st.id = s.state_id` : sql``}
      ${frames ? sql`LEFT JOIN frames f ON f.id = st.frame_id` : sql``}
      WHERE s.project_id = ${projectId} AND s.version <= ${version}
        AND (s.version, s.episode, s.frame_index, s.id) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})
      ORDER BY s.version, s.episode, s.frame_index, s.id
      LIMIT ${pageSize}`,
    );
    if (rows.length === 0) return;
    const tookMs = Math.max(0.5, performance.now() - started);
    const full = rows.length === pageSize;
    // Halfway towards the size that would have taken PAGE_TARGET_MS (damped: timings are noisy under load).
    if (adaptive) pageSize = Math.round(Math.min(maxSize, Math.max(Math.min(MIN_PAGE, maxSize), (pageSize + (rows.length * PAGE_TARGET_MS) / tookMs) / 2)));
    const page: SamplePage = {
      length: rows.length,
      version: rows.map((r) => r.version),
      episode: rows.map((r) => r.episode),
      frameIndex: rows.map((r) => r.frame_index),
      observation: rows.map((r) => r.observation),
      action: rows.map((r) => r.action),
      source: rows.map((r) => r.source),
      stateId: rows.map((r) => r.state_id),
      labelCount: rows.map((r) => r.label_count),
      agreement: rows.map((r) => r.agreement),
      frame: await pageFrames(rows, render),
    };
    const last = rows[rows.length - 1]!;
    after = [last.version, last.episode, last.frame_index, Number(last.id)];
    yield page;
    if (!full) return;
  }
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
async function pageQuery<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('enable_sort', 'off', true), set_config('enable_incremental_sort', 'off', true)`);
    return (await tx.execute<T>(query)).rows as T[];
  });
}

/** A page's images: stored frames (each distinct blob read once) or rendered ones. */
async function pageFrames(rows: PageRow[], render: ((envState: number[]) => Uint8Array) | undefined): Promise<Array<Uint8Array | null>> {
  if (render) return rows.map((r) => (r.env_state ? render(r.env_state) : null));
  const blobs = await readBlobs(rows.map((r) => r.blob_hash));
  return rows.map((r) => {
    const bytes = r.blob_hash ? blobs.get(r.blob_hash)! : r.frame;
    return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  });
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
