import { apiRoute, json } from "@/server/http/api-route";
import { taskIdOf } from "@/server/http/labelling-routes";
import { releaseTask } from "@/server/tasks/release-task";

export const POST = apiRoute<{ taskId: string }>(async ({ db, caller, params }) => json(await releaseTask(db, caller, taskIdOf(params))));
