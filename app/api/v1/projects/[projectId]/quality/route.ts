import { apiRoute, json } from "@/server/http/api-route";
import { getQuality } from "@/server/quality/get-quality";

export const GET = apiRoute<{ projectId: string }>(async ({ db, caller, params }) => json(await getQuality(db, caller, params.projectId)));
