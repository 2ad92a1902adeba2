/**
 * A policy version as a file: Corrective's own blob (`crpl`) or an ONNX model (`onnx`, trainer/policy/onnx.ts;
 * docs/FORMATS.md). An unknown `format` is a 400 naming the choices.
 */
import { POLICY_FORMATS, type TPolicyFormat } from "../../contracts/datasets";
import { POLICY_BLOB_MIME } from "../../trainer/policy/blob";
import { ONNX_MIME, policyToOnnx } from "../../trainer/policy/onnx";
import { AppError } from "../errors";

export function parsePolicyFormat(value: string | null): TPolicyFormat | null {
  if (value === null) return null;
  if (!(POLICY_FORMATS as readonly string[]).includes(value)) {
    throw new AppError("VALIDATION", `Unknown policy format "${value}"; use ${POLICY_FORMATS.join(" or ")}`, { fieldErrors: { format: [`must be one of ${POLICY_FORMATS.join(", ")}`] } });
  }
  return value as TPolicyFormat;
}

export function policyDownload(policy: { version: number }, blob: Uint8Array, format: TPolicyFormat): Response {
  const onnx = format === "onnx";
  let body: Uint8Array;
  try {
    body = onnx ? policyToOnnx(blob, { version: policy.version }) : blob;
  } catch (err) {
    throw new AppError("UNPROCESSABLE", `Policy v${policy.version} cannot be exported as ONNX: ${(err as Error).message}`);
  }
  return new Response(new Uint8Array(body), {
    headers: {
      "content-type": onnx ? ONNX_MIME : "application/octet-stream",
      "content-disposition": `attachment; filename="policy-v${policy.version}.${onnx ? "onnx" : "crpl"}"`,
      "x-policy-version": String(policy.version),
      "x-policy-format": onnx ? "onnx" : POLICY_BLOB_MIME,
    },
  });
}
