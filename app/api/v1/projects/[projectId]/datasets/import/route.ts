import { importDataset, parseFormat } from "@/server/datasets/import-dataset";
import { apiRoute, json } from "@/server/http/api-route";
import { MAX_IMPORT_BYTES, readBody } from "@/server/http/respond";

/** The body is the file itself: JSONL (`?format=jsonl`, default) or a LeRobot `.tar` (`?format=lerobot`, v3.0 or v2.x). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parseFormat(new URL(req.url).searchParams.get("format"));
  return json(await importDataset(db, caller, params.projectId, format, await readBody(req, MAX_IMPORT_BYTES)), 201);
});
