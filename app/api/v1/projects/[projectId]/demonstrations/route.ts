import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { addDemonstrations } from "@/server/rollouts/add-demonstrations";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await addDemonstrations(db, caller, params.projectId, await readJson(req, 32 * 1024 * 1024)), 201));
