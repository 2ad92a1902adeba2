import { apiRoute, json } from "@/server/http/api-route";
import { getLatestPolicy } from "@/server/policies/list-policies";

/** JSON (metadata + base64 blob) by default; the raw blob with `Accept: application/octet-stream`. */
export const GET = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const { policy, blob } = await getLatestPolicy(db, caller, params.projectId);
  if ((req.headers.get("accept") ?? "").includes("application/octet-stream")) {
    return new Response(new Uint8Array(blob), {
      headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="policy-v${policy.version}.crpl"`, "x-policy-version": String(policy.version) },
    });
  }
  return json({ ...policy, blobBase64: Buffer.from(blob).toString("base64") });
});
