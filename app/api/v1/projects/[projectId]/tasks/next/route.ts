import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { claimNextTask } from "@/server/tasks/claim-next-task";

/** 200 with the leased task and its replay context, or 204 when nothing is left to label. */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const next = await claimNextTask(db, caller, params.projectId, (await readJson(req)) ?? {});
  return next ? json(next) : new Response(null, { status: 204 });
});
