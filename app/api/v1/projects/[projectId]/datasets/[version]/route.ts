import { getDatasetVersion } from "@/server/datasets/list-dataset-versions";
import { apiRoute, intParam, json } from "@/server/http/api-route";

export const GET = apiRoute<{ projectId: string; version: string }>(async ({ db, caller, params }) =>
  json(await getDatasetVersion(db, caller, params.projectId, intParam(params.version))),
);
