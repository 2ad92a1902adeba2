import { apiRoute, json } from "@/server/http/api-route";
import { readBody } from "@/server/http/respond";
import { MAX_FRAME_BYTES, uploadFrame } from "@/server/rollouts/frames";

/** Raw PNG or JPEG bytes in the body (≤ 2 MiB, else 413). */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => json(await uploadFrame(db, caller, params.projectId, await readBody(req, MAX_FRAME_BYTES)), 201));
