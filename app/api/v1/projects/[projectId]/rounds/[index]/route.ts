import { apiRoute, intParam, json } from "@/server/http/api-route";
import { getRound } from "@/server/rounds/get-rounds";

export const GET = apiRoute<{ projectId: string; index: string }>(async ({ db, caller, params }) => json(await getRound(db, caller, params.projectId, intParam(params.index))));
