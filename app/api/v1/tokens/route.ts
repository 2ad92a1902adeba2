import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { createApiToken, listApiTokens } from "@/server/auth/api-tokens";

export const GET = apiRoute(async ({ db, caller }) => json(await listApiTokens(db, caller.id)));
export const POST = apiRoute(async ({ req, db, caller }) => json(await createApiToken(db, caller.id, await readJson(req)), 201));
