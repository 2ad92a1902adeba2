import { apiRoute } from "@/server/http/api-route";
import { revokeInvite } from "@/server/invites/revoke-invite";

export const DELETE = apiRoute<{ inviteId: string }>(async ({ db, caller, params }) => {
  await revokeInvite(db, caller, params.inviteId);
  return new Response(null, { status: 204 });
});
