import { z } from "zod";
import { notFound } from "@/server/errors";
import { apiRoute, json } from "@/server/http/api-route";
import { renewTaskLease } from "@/server/tasks/release-task";

export const POST = apiRoute<{ taskId: string }>(async ({ db, caller, params }) => {
  if (!z.uuid().safeParse(params.taskId).success) throw notFound("Task not found");
  return json(await renewTaskLease(db, caller, params.taskId));
});
