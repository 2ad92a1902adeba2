import { importDataset, parseFormat } from "@/server/datasets/import-dataset";
import { apiRoute, json } from "@/server/http/api-route";
import { readTextInSlices } from "@/server/http/read-text";
import { MAX_IMPORT_BYTES } from "@/server/http/respond";

/** The body is the file itself: JSONL (`?format=jsonl`, default) or the LeRobot JSON bundle (`?format=lerobot`). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  const body = await readTextInSlices(req, MAX_IMPORT_BYTES);
  return json(await importDataset(db, caller, params.projectId, format, body), 201);
});
