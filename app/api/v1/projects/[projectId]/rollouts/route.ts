import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { addExternalRollout } from "@/server/rollouts/add-external-rollout";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await addExternalRollout(db, caller, params.projectId, await readJson(req, 32 * 1024 * 1024)), 201));
