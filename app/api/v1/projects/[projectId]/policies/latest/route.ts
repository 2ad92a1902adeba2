import { parsePolicyFormat, policyDownload } from "@/server/policies/policy-download";
import { apiRoute, json } from "@/server/http/api-route";
import { getLatestPolicy } from "@/server/policies/list-policies";

/**
 * JSON (metadata + base64 blob) by default; the raw blob with `Accept: application/octet-stream` or
 * `?format=crpl`; an ONNX model with `?format=onnx` (docs/FORMATS.md). Another format: 400 naming both.
 */
export const GET = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const format = parsePolicyFormat(new URL(req.url).searchParams.get("format"));
  const { policy, blob } = await getLatestPolicy(db, caller, params.projectId);
  if (format !== null) return policyDownload(policy, blob, format);
  if ((req.headers.get("accept") ?? "").includes("application/octet-stream")) return policyDownload(policy, blob, "crpl");
  return json({ ...policy, blobBase64: Buffer.from(blob).toString("base64") });
});
