import { apiRoute, json } from "@/server/http/api-route";
import { listDatasetVersions } from "@/server/datasets/list-dataset-versions";

export const GET = apiRoute<{ projectId: string }>(async ({ db, caller, params }) => json(await listDatasetVersions(db, caller, params.projectId)));
