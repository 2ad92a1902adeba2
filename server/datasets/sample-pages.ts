/**
 * Reading a dataset version page by page, in episode order, for exports: a keyset cursor over
 * `(version, episode, frame_index, id)` — served by `dataset_samples_episode_order_idx`, so each page is an
 * index range scan, never a sort of the whole project — joined with what LeRobot rows carry besides the
 * sample: the aggregated label's labeller count and agreement, and the state's frame (when asked).
 *
 * At most one page is in memory at a time; every page is a database round trip, so the event loop gets a
 * turn between pages (the point: a 100k-sample export must not stall other requests, see bench/export.ts).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getBlobStore } from "../blobs/registry";

export interface SampleRow {
  id: number;
  version: number;
  episode: number;
  frameIndex: number;
  observation: number[];
  action: number | number[];
  source: string;
  stateId: string | null;
  labelCount: number | null;
  agreement: number | null;
  frame: Buffer | null;
  /** The state's env state, when asked (`withEnvState`): images of built-in camera envs are rendered from it. */
  envState?: number[] | null;
}

/** Rows per page: ~5k rows of a 4–64-d sample is a few MB (more with frames, see `framePageSize`). */
export const SAMPLE_PAGE_SIZE = 5000;

export async function* sampleRows(
  db: Db,
  projectId: string,
  version: number,
  options: { withFrames?: boolean; withEnvState?: boolean; pageSize?: number } = {},
): AsyncGenerator<SampleRow[]> {
  const pageSize = options.pageSize ?? SAMPLE_PAGE_SIZE;
  const frames = options.withFrames === true;
  const envStates = options.withEnvState === true;
  let after: [number, number, number, number] = [-1, -1, -1, -1];
  for (;;) {
    const result = await db.execute<{
      id: string | number;
      version: number;
      episode: number;
      frame_index: number;
      observation: number[];
      action: number | number[];
      source: string;
      state_id: string | null;
      label_count: number | null;
      agreement: number | null;
      frame: Buffer | null;
      blob_hash: string | null;
      env_state: number[] | null;
    }>(sql`
      SELECT s.id, s.version, s.episode, s.frame_index, s.observation, s.action, s.source, s.state_id,
             al.label_count, al.agreement, ${frames ? sql`f.bytes` : sql`NULL::bytea`} AS frame,
             ${frames ? sql`f.blob_hash` : sql`NULL::text`} AS blob_hash,
             ${envStates ? sql`st.env_state` : sql`NULL::jsonb`} AS env_state
      FROM dataset_samples s
      LEFT JOIN aggregated_labels al ON al.state_id = s.state_id AND al.dataset_version = s.version
      ${frames || envStates ? sql`LEFT JOIN states st ON st.id = s.state_id` : sql``}
      ${frames ? sql`LEFT JOIN frames f ON f.id = st.frame_id` : sql``}
      WHERE s.project_id = ${projectId} AND s.version <= ${version}
        AND (s.version, s.episode, s.frame_index, s.id) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})
      ORDER BY s.version, s.episode, s.frame_index, s.id
      LIMIT ${pageSize}`);
    if (result.rows.length === 0) return;
    const images = frames ? await readBlobs(result.rows.map((r) => r.blob_hash)) : new Map<string, Buffer>();
    const page = result.rows.map((r) => ({
      id: Number(r.id),
      version: r.version,
      episode: r.episode,
      frameIndex: r.frame_index,
      observation: r.observation,
      action: r.action,
      source: r.source,
      stateId: r.state_id,
      labelCount: r.label_count,
      agreement: r.agreement,
      frame: r.blob_hash ? images.get(r.blob_hash)! : r.frame,
      ...(envStates ? { envState: r.env_state } : {}),
    }));
    const last = page[page.length - 1]!;
    after = [last.version, last.episode, last.frameIndex, last.id];
    yield page;
    if (result.rows.length < pageSize) return;
  }
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

/** The bytes of a page's frames from the blob store (each distinct blob read once). */
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
