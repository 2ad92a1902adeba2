import { apiRoute, json } from "@/server/http/api-route";
import { listReviewQueue } from "@/server/review/list-review-queue";

export const GET = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) =>
  json(await listReviewQueue(db, caller, params.projectId, Object.fromEntries(new URL(req.url).searchParams))),
);
