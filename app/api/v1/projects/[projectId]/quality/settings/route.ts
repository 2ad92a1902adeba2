import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { updateQualitySettings } from "@/server/quality/quality-settings";

export const PATCH = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) =>
  json(await updateQualitySettings(db, caller, params.projectId, await readJson(req))),
);
