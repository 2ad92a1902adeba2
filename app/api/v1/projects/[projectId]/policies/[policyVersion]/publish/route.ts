import { apiRoute, intParam, json } from "@/server/http/api-route";
import { publishPolicyVersion } from "@/server/policies/publish-policy-version";

export const POST = apiRoute<{ projectId: string; policyVersion: string }>(async ({ db, caller, params }) =>
  json(await publishPolicyVersion(db, caller, params.projectId, intParam(params.policyVersion))),
);
