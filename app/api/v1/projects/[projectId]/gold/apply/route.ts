import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { applyGold } from "@/server/quality/apply-gold";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await applyGold(db, caller, params.projectId, await readJson(req))));
