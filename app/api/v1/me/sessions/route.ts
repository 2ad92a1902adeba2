import { signOutEverywhere } from "@/server/auth/revoke-sessions";
import { apiRoute } from "@/server/http/api-route";

export const DELETE = apiRoute(async ({ db, caller }) => {
  await signOutEverywhere(db, caller.id);
  return new Response(null, { status: 204 });
});
