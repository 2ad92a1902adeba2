import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { claimNextTask, countWaitingTasks } from "@/server/tasks/claim-next-task";

/**
 * 200 with the leased task and its replay context; 204 when there is nothing to claim. A 204 with
 * `Retry-After` (and `X-Tasks-Waiting`) means tasks the caller may label are held by others right now — ask
 * again; without it nothing is left for this caller.
 */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const body = (await readJson(req)) ?? {};
  const next = await claimNextTask(db, caller, params.projectId, body);
  if (next) return json(next);
  const waiting = await countWaitingTasks(db, caller, params.projectId, body);
  return new Response(null, { status: 204, headers: waiting > 0 ? { "retry-after": "1", "x-tasks-waiting": String(waiting) } : {} });
});
