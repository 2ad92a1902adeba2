import { apiRoute, json } from "@/server/http/api-route";
import { MAX_ROLLOUT_JSON_BYTES, readJson } from "@/server/http/respond";
import { addDemonstrations } from "@/server/rounds/add-demonstrations";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await addDemonstrations(db, caller, params.projectId, await readJson(req, MAX_ROLLOUT_JSON_BYTES)), 201));
