import { requireUser } from "@/server/auth/session";
import { getContext } from "@/server/context";
import { route } from "@/server/http/respond";
import { listProjects } from "@/server/projects/list-projects";

export const GET = route(async () => {
  const user = await requireUser();
  return Response.json({ data: await listProjects(getContext().database.db, user) });
});
