import { FRAME_BATCH_MIME } from "@/contracts/rounds";
import { apiRoute, json } from "@/server/http/api-route";
import { readBody } from "@/server/http/respond";
import { MAX_FRAME_BATCH_BYTES, MAX_FRAME_BYTES, uploadFrame, uploadFrameBatch } from "@/server/rollouts/frames";

/**
 * Raw PNG or JPEG bytes in the body (≤ 2 MiB, else 413); or, with `content-type: application/vnd.corrective.frames`,
 * a batch of frames with client-generated ids (≤ 32 MiB, ≤ 1000 frames; see contracts/rounds.ts).
 */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  if ((req.headers.get("content-type") ?? "").startsWith(FRAME_BATCH_MIME)) {
    return json(await uploadFrameBatch(db, caller, params.projectId, await readBody(req, MAX_FRAME_BATCH_BYTES)), 201);
  }
  return json(await uploadFrame(db, caller, params.projectId, await readBody(req, MAX_FRAME_BYTES)), 201);
});
