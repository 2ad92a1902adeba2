import { apiRoute } from "@/server/http/api-route";
import { revokeApiToken } from "@/server/auth/api-tokens";

export const DELETE = apiRoute<{ tokenId: string }>(async ({ db, caller, params }) => {
  await revokeApiToken(db, caller.id, params.tokenId);
  return new Response(null, { status: 204 });
});
