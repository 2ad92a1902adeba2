import { setSiteAdmin } from "@/server/auth/set-site-admin";
import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";

export const PATCH = apiRoute<{ userId: string }>(async ({ req, db, caller, params }) => json(await setSiteAdmin(db, caller, params.userId, await readJson(req))));
