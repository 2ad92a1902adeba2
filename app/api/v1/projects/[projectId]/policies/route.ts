import { apiRoute, json } from "@/server/http/api-route";
import { listPolicies } from "@/server/policies/list-policies";

export const GET = apiRoute<{ projectId: string }>(async ({ db, caller, params }) => json(await listPolicies(db, caller, params.projectId)));
