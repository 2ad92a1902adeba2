import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { deleteProject } from "@/server/projects/delete-project";
import { getProject } from "@/server/projects/get-project";
import { updateProject } from "@/server/projects/update-project";

type P = { projectId: string };
export const GET = apiRoute<P>(async ({ db, caller, params }) => json(await getProject(db, caller, params.projectId)));
export const PATCH = apiRoute<P>(async ({ req, db, caller, params }) => json(await updateProject(db, caller, params.projectId, await readJson(req))));
export const DELETE = apiRoute<P>(async ({ db, caller, params }) => {
  await deleteProject(db, caller, params.projectId);
  return new Response(null, { status: 204 });
});
