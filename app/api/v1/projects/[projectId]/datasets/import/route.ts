import path from "node:path";
import { getContext } from "@/server/context";
import { parseFormat } from "@/server/datasets/open-import";
import { importDataset } from "@/server/rounds/import-dataset";
import { apiRoute, json } from "@/server/http/api-route";
import { readTextInSlices } from "@/server/http/read-text";
import { bodyChunks, MAX_IMPORT_BYTES } from "@/server/http/respond";

/** The body is the file itself: JSONL (`?format=jsonl`, default) or a LeRobot `.tar` (`?format=lerobot`, v3.0 or v2.x). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  // JSONL is decoded piece by piece as it arrives (a 23 MB file in one go stalled every request); a .tar is
  // unpacked as it arrives, its Parquet files spooled under DATA_DIR/tmp (never the whole upload in memory).
  if (format === "jsonl") return json(await importDataset(db, caller, params.projectId, format, await readTextInSlices(req, MAX_IMPORT_BYTES)), 201);
  const spoolDir = path.join(getContext().config.dataDir, "tmp");
  return json(await importDataset(db, caller, params.projectId, format, bodyChunks(req, MAX_IMPORT_BYTES), { spoolDir }), 201);
});
