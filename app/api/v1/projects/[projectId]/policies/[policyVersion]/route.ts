import { apiRoute, intParam, json } from "@/server/http/api-route";
import { getPolicyVersion } from "@/server/policies/get-policy-version";

/** JSON (metadata + base64 blob) by default; the raw blob with `Accept: application/octet-stream`. */
export const GET = apiRoute<{ projectId: string; policyVersion: string }>(async ({ req, db, caller, params }) => {
  const { policy, blob } = await getPolicyVersion(db, caller, params.projectId, intParam(params.policyVersion));
  if ((req.headers.get("accept") ?? "").includes("application/octet-stream")) {
    return new Response(new Uint8Array(blob), {
      headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="policy-v${policy.version}.crpl"`, "x-policy-version": String(policy.version) },
    });
  }
  return json({ ...policy, blobBase64: Buffer.from(blob).toString("base64") });
});
