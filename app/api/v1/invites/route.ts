import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { createInvite } from "@/server/invites/create-invite";
import { listInvites } from "@/server/invites/list-invites";

export const GET = apiRoute(async ({ db, caller }) => json(await listInvites(db, caller)));
export const POST = apiRoute(async ({ req, db, caller }) => json(await createInvite(db, caller, await readJson(req)), 201));
