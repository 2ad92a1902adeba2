import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { datasetVersions } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { yieldToEventLoop } from "../batching/cooperative";
import { notFound } from "../errors";
import { CURSOR_START, episodeOrderWindow, PageSizer, pageQuery, type Cursor } from "./sample-pages";

/**
 * Rows per page: 5,000 on PostgreSQL (the lines are built there: this thread receives one string per page); on
 * PGlite, whose queries run in the server's own thread, sized to take ~15 ms each (sample-pages.ts PageSizer).
 */
const PAGE = 5000;

/**
 * One JSONL line per sample, built by the database: `{"observation":…,"action":…,"source":…,"version":…,
 * "episode_index":…,"frame_index":…,"state_id":…}`. Observation and action are jsonb arrays (or a number) of
 * numbers only, so removing the spaces of jsonb's text output leaves compact JSON; the strings go through
 * `to_json`. Why here: parsing ten fields a row into objects (pg, drizzle) and serialising them back was most
 * of this thread's time in a 100k export, and its garbage made the event loop stall (bench:export).
 */
const LINE = sql`'{"observation":' || replace(s.observation::text, ' ', '') || ',"action":' || replace(s.action::text, ' ', '')
  || ',"source":' || to_json(s.source)::text || ',"version":' || s.version || ',"episode_index":' || s.episode
  || ',"frame_index":' || s.frame_index || ',"state_id":' || coalesce(to_json(s.state_id)::text, 'null') || '}'`;

/**
 * Streams dataset version `version` as JSONL: one `{observation, action, source, version, episode_index,
 * frame_index, state_id}` per line, in episode order — by version, episode, frame index (then id), like the
 * LeRobot export. Pages follow a keyset cursor over `dataset_samples_episode_order_idx` with sorting disabled
 * for the planner (sample-pages.ts `pageQuery`: without statistics, as after a bulk import and always on
 * PGlite, the planner read and sorted every remaining row for each page — 50 ms a page on PGlite, in the
 * server's thread); memory stays flat; each page arrives as one text.
 */
export async function exportDatasetJsonl(db: Db, caller: Caller, projectId: string, version: number): Promise<{ stream: ReadableStream<Uint8Array>; sampleCount: number; checksum: string }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const encoder = new TextEncoder();
  const sizer = new PageSizer(db, PAGE);
  let after: Cursor = CURSOR_START;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A turn of the event loop before each page: on PGlite the query resolves without one, and the response
      // asks for the next page at once, so pages would follow each other as one long stall.
      await yieldToEventLoop();
      const started = performance.now();
      const rows = sizer.size;
      const [row] = await pageQuery<{ last: string | null; text: string | null }>(
        db,
        sql`
          SELECT (array_agg(concat_ws(',', p.version, p.episode, p.frame_index, p.id) ORDER BY p.version DESC, p.episode DESC, p.frame_index DESC, p.id DESC))[1] AS last,
                 string_agg(p.line, E'\n' ORDER BY p.version, p.episode, p.frame_index, p.id) AS text
          FROM (
            SELECT s.version, s.episode, s.frame_index, s.id, ${LINE} AS line ${episodeOrderWindow(projectId, version, after, rows)}
          ) p`,
      );
      if (!row || row.text === null || row.last === null) return controller.close();
      sizer.took(rows, performance.now() - started);
      after = row.last.split(",").map(Number) as Cursor;
      controller.enqueue(encoder.encode(`${row.text}\n`));
    },
  });
  return { stream, sampleCount: v.sampleCount, checksum: v.checksum };
}
