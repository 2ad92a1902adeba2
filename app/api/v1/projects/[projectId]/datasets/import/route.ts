import path from "node:path";
import { getContext } from "@/server/context";
import { parseFormat } from "@/server/datasets/open-import";
import { importDataset } from "@/server/rounds/import-dataset";
import { apiRoute, json } from "@/server/http/api-route";
import { bodyChunks, MAX_IMPORT_BYTES } from "@/server/http/respond";

/** The body is the file itself: JSONL (`?format=jsonl`, default) or a LeRobot `.tar` (`?format=lerobot`, v3.0 or v2.x). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  // Read as it arrives (over MAX_IMPORT_BYTES: 413): JSONL is gathered and handed to the import's worker thread,
  // which decodes and parses it; a .tar is unpacked as it arrives, its Parquet files spooled under DATA_DIR/tmp
  // (never the whole upload in memory).
  const spoolDir = path.join(getContext().config.dataDir, "tmp");
  return json(await importDataset(db, caller, params.projectId, format, bodyChunks(req, MAX_IMPORT_BYTES), { spoolDir }), 201);
});
