import { apiRoute, intParam, json } from "@/server/http/api-route";
import { retryRound } from "@/server/rounds/retry-round";

export const POST = apiRoute<{ projectId: string; index: string }>(async ({ db, caller, params }) => json(await retryRound(db, caller, params.projectId, intParam(params.index))));
