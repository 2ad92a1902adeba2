import { createYielder } from "../batching/cooperative";
import { tooLarge } from "./respond";

/**
 * A large text body (dataset imports), decoded chunk by chunk as it arrives and giving way to other requests
 * between chunks — decoding 23 MB in one `TextDecoder.decode` call held the event loop for tens of ms.
 * Over `maxBytes` → 413, without buffering the rest.
 */
export async function readTextInSlices(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
  const decoder = new TextDecoder();
  const maybeYield = createYielder();
  const parts: string[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    parts.push(decoder.decode(value, { stream: true }));
    await maybeYield();
  }
  parts.push(decoder.decode());
  return parts.join("");
}
