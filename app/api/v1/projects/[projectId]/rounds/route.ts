import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { listRounds } from "@/server/rounds/get-rounds";
import { startRound } from "@/server/rounds/start-round";

type P = { projectId: string };
export const GET = apiRoute<P>(async ({ db, caller, params }) => json(await listRounds(db, caller, params.projectId)));
export const POST = apiRoute<P>(async ({ req, db, caller, params }) => json(await startRound(db, caller, params.projectId, await readJson(req)), 201));
