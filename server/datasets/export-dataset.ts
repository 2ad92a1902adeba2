import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../../db/client";
import { datasetSamples, datasetVersions } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";

/**
 * Streams dataset version `version` as JSONL: one `{observation, action, source, version, episode_index,
 * frame_index, state_id}` per line, in insertion order. Rows are read in pages so memory stays flat.
 */
export async function exportDatasetJsonl(db: Db, caller: Caller, projectId: string, version: number): Promise<{ stream: ReadableStream<Uint8Array>; sampleCount: number; checksum: string }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [v] = await db.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, version)));
  if (!v) throw notFound("Dataset version not found");
  const encoder = new TextEncoder();
  let lastId = 0;
  const PAGE = 2000;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await db
        .select()
        .from(datasetSamples)
        .where(and(eq(datasetSamples.projectId, projectId), lte(datasetSamples.version, version), gt(datasetSamples.id, lastId)))
        .orderBy(asc(datasetSamples.id))
        .limit(PAGE);
      if (rows.length === 0) return controller.close();
      lastId = rows[rows.length - 1]!.id;
      const text = rows
        .map((r) => JSON.stringify({ observation: r.observation, action: r.action, source: r.source, version: r.version, episode_index: r.episode, frame_index: r.frameIndex, state_id: r.stateId }))
        .join("\n");
      controller.enqueue(encoder.encode(`${text}\n`));
    },
  });
  return { stream, sampleCount: v.sampleCount, checksum: v.checksum };
}
