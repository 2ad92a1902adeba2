import { z } from "zod";
import { notFound } from "@/server/errors";
import { apiRoute } from "@/server/http/api-route";
import { getFrame } from "@/server/rollouts/frames";

export const GET = apiRoute<{ projectId: string; frameId: string }>(async ({ db, caller, params }) => {
  if (!z.uuid().safeParse(params.frameId).success) throw notFound("Frame not found");
  const frame = await getFrame(db, caller, params.projectId, params.frameId);
  return new Response(new Uint8Array(frame.bytes), { headers: { "content-type": frame.mime, "cache-control": "private, max-age=86400, immutable" } });
});
