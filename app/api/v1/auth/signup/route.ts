import { signUp } from "@/server/auth/sign-up";
import { getContext } from "@/server/context";
import { readJson, route } from "@/server/http/respond";

export const POST = route(async (req: Request) => {
  const user = await signUp(getContext().database.db, await readJson(req));
  return Response.json({ data: user }, { status: 201 });
});
