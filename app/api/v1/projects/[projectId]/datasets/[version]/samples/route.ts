import { listDatasetSamples } from "@/server/datasets/list-dataset-samples";
import { apiRoute, intParam, json } from "@/server/http/api-route";

export const GET = apiRoute<{ projectId: string; version: string }>(async ({ req, db, caller, params }) =>
  json(await listDatasetSamples(db, caller, params.projectId, intParam(params.version), Object.fromEntries(new URL(req.url).searchParams))),
);
