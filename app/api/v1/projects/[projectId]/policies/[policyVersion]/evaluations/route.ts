import { apiRoute, intParam, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { addEvaluation } from "@/server/rounds/add-evaluation";

/** Evaluation episodes a client ran with this version (external projects); see server/rounds/add-evaluation.ts. */
export const POST = apiRoute<{ projectId: string; policyVersion: string }>(async ({ req, db, caller, params }) =>
  json(await addEvaluation(db, caller, params.projectId, intParam(params.policyVersion), await readJson(req)), 201),
);
