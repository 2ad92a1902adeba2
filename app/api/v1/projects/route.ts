import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { createProject } from "@/server/projects/create-project";
import { listProjects } from "@/server/projects/list-projects";

export const GET = apiRoute(async ({ db, caller }) => json(await listProjects(db, caller)));
export const POST = apiRoute(async ({ req, db, caller }) => json(await createProject(db, caller, await readJson(req)), 201));
