import { apiRoute, intParam, json } from "@/server/http/api-route";
import { closeRound } from "@/server/rounds/close-round";

export const POST = apiRoute<{ projectId: string; index: string }>(async ({ db, caller, params }) => json(await closeRound(db, caller, params.projectId, intParam(params.index))));
