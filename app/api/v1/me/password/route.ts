import { changePassword } from "@/server/auth/change-password";
import { apiRoute } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";

export const POST = apiRoute(async ({ req, db, caller }) => {
  await changePassword(db, caller.id, await readJson(req));
  return new Response(null, { status: 204 });
});
