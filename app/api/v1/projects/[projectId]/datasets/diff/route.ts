import { diffDatasetVersions } from "@/server/datasets/list-dataset-versions";
import { apiRoute, intParam, json } from "@/server/http/api-route";

export const GET = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const q = new URL(req.url).searchParams;
  return json(await diffDatasetVersions(db, caller, params.projectId, intParam(q.get("from") ?? undefined), intParam(q.get("to") ?? undefined)));
});
