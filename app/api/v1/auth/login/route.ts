import { loginForToken } from "@/server/auth/login-token";
import { getContext } from "@/server/context";
import { CLIENT_IP_HEADER } from "@/server/limits/client-ip";
import { readJson, route } from "@/server/http/respond";

export const POST = route(async (req: Request) => {
  const result = await loginForToken(getContext().database.db, await readJson(req), req.headers.get(CLIENT_IP_HEADER) ?? undefined);
  return Response.json({ data: result }, { status: 201 });
});
