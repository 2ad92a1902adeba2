import { z } from "zod";
import { notFound } from "@/server/errors";
import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { submitLabel } from "@/server/tasks/submit-label";

/** 201 for a new label, 200 for a resubmission of the same id (stored label returned, counted once). */
export const POST = apiRoute<{ taskId: string }>(async ({ req, db, caller, params }) => {
  if (!z.uuid().safeParse(params.taskId).success) throw notFound("Task not found");
  const label = await submitLabel(db, caller, params.taskId, await readJson(req));
  return json(label, label.duplicate ? 200 : 201);
});
