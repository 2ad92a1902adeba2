import { apiRoute, json } from "@/server/http/api-route";
import { getDashboard } from "@/server/quality/get-dashboard";

export const GET = apiRoute<{ projectId: string }>(async ({ db, caller, params }) => json(await getDashboard(db, caller, params.projectId)));
