import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { addMember } from "@/server/projects/add-member";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await addMember(db, caller, params.projectId, await readJson(req)), 201));
