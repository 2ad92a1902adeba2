import { z } from "zod";
import { notFound } from "@/server/errors";
import { apiRoute, json } from "@/server/http/api-route";
import { taskIdOf } from "@/server/http/labelling-routes";
import { retractLabel } from "@/server/tasks/retract-label";

/** Undo: removes the caller's own label while the round is still labelling (200), 409 once it is not. */
export const DELETE = apiRoute<{ taskId: string; labelId: string }>(async ({ db, caller, params }) => {
  const taskId = taskIdOf(params);
  if (!z.uuid().safeParse(params.labelId).success) throw notFound("Label not found");
  return json(await retractLabel(db, caller, taskId, params.labelId));
});
