import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { markGold } from "@/server/quality/mark-gold";

export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await markGold(db, caller, params.projectId, await readJson(req)), 201));
