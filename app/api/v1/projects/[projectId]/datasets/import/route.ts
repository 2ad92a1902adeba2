import { parseFormat } from "@/server/datasets/open-import";
import { importDataset } from "@/server/rounds/import-dataset";
import { apiRoute, json } from "@/server/http/api-route";
import { readTextInSlices } from "@/server/http/read-text";
import { MAX_IMPORT_BYTES, readBody } from "@/server/http/respond";

/** The body is the file itself: JSONL (`?format=jsonl`, default) or a LeRobot `.tar` (`?format=lerobot`, v3.0 or v2.x). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  // JSONL is decoded piece by piece as it arrives (a 23 MB file in one go stalled every request); a .tar stays bytes.
  const body = format === "jsonl" ? await readTextInSlices(req, MAX_IMPORT_BYTES) : await readBody(req, MAX_IMPORT_BYTES);
  return json(await importDataset(db, caller, params.projectId, format, body), 201);
});
