import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { decideReview } from "@/server/review/decide-review";

export const POST = apiRoute<{ projectId: string; itemId: string }>(async ({ req, db, caller, params }) =>
  json(await decideReview(db, caller, params.projectId, params.itemId, await readJson(req))),
);
