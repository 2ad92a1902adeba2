import { apiRoute, json } from "@/server/http/api-route";
import { unmarkGold } from "@/server/quality/mark-gold";

export const DELETE = apiRoute<{ projectId: string; stateId: string }>(async ({ db, caller, params }) => {
  await unmarkGold(db, caller, params.projectId, params.stateId);
  return json({ stateId: params.stateId, gold: false });
});
