import { apiRoute, json } from "@/server/http/api-route";
import { MAX_ROLLOUT_JSON_BYTES, readJson } from "@/server/http/respond";
import { addExternalRollout, addExternalRollouts } from "@/server/rollouts/add-external-rollout";

/** One rollout, or many as `{ rollouts: [...] }`; either may carry client ids (a retried upload is stored once). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const body = await readJson(req, MAX_ROLLOUT_JSON_BYTES);
  const batch = typeof body === "object" && body !== null && "rollouts" in body;
  return json(batch ? await addExternalRollouts(db, caller, params.projectId, body) : await addExternalRollout(db, caller, params.projectId, body), 201);
});
