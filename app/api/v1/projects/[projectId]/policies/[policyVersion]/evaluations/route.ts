import { apiRoute, intParam, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { addEvaluation } from "@/server/policies/add-evaluation";

/** Evaluation episodes a client ran with this version (external projects); see server/policies/add-evaluation.ts. */
export const POST = apiRoute<{ projectId: string; policyVersion: string }>(async ({ req, db, caller, params }) =>
  json(await addEvaluation(db, caller, params.projectId, intParam(params.policyVersion), await readJson(req)), 201),
);
