import { createYielder } from "../batching/cooperative";
import { forEachBodyChunk } from "./respond";

/**
 * A large text body (dataset imports), decoded chunk by chunk as it arrives and giving way to other requests
 * between chunks — decoding 23 MB in one `TextDecoder.decode` call held the event loop for tens of ms.
 * Returned as the decoded pieces, not joined: a JSONL import reads its lines across them and lets each go
 * once read (joining held a second copy of the file). Over `maxBytes` → 413, without buffering the rest.
 */
export async function readTextInSlices(req: Request, maxBytes: number): Promise<string[]> {
  const decoder = new TextDecoder();
  const maybeYield = createYielder();
  const parts: string[] = [];
  await forEachBodyChunk(req, maxBytes, async (chunk) => {
    parts.push(decoder.decode(chunk, { stream: true }));
    await maybeYield();
  });
  parts.push(decoder.decode());
  return parts;
}
