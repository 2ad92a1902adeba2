import { parsePolicyFormat, policyDownload } from "@/server/policies/policy-download";
import { apiRoute, intParam, json } from "@/server/http/api-route";
import { getPolicyVersion } from "@/server/policies/get-policy-version";

/**
 * JSON (metadata + base64 blob) by default; the raw blob with `Accept: application/octet-stream` or
 * `?format=crpl`; an ONNX model with `?format=onnx` (docs/FORMATS.md). Another format: 400 naming both.
 */
export const GET = apiRoute<{ projectId: string; policyVersion: string }>(async ({ req, db, caller, params }) => {
  const format = parsePolicyFormat(new URL(req.url).searchParams.get("format"));
  const { policy, blob } = await getPolicyVersion(db, caller, params.projectId, intParam(params.policyVersion));
  if (format !== null) return policyDownload(policy, blob, format);
  if ((req.headers.get("accept") ?? "").includes("application/octet-stream")) return policyDownload(policy, blob, "crpl");
  return json({ ...policy, blobBase64: Buffer.from(blob).toString("base64") });
});
