import { register } from "@/server/auth/register";
import { getContext } from "@/server/context";
import { CLIENT_IP_HEADER } from "@/server/limits/client-ip";
import { readJson, route } from "@/server/http/respond";

/** 202 with one body whether the email was new or taken (see server/auth/register.ts). */
export const POST = route(async (req: Request) => {
  const { config, database } = getContext();
  const result = await register(database.db, await readJson(req), req.headers.get(CLIENT_IP_HEADER) ?? undefined, config.limits);
  return Response.json({ data: result }, { status: 202 });
});
