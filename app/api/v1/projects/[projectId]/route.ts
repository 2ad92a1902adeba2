import { requireUser } from "@/server/auth/session";
import { getContext } from "@/server/context";
import { readJson, route } from "@/server/http/respond";
import { getProject } from "@/server/projects/get-project";
import { updateProject } from "@/server/projects/update-project";

type Ctx = { params: Promise<{ projectId: string }> };

export const GET = route(async (_req: Request, { params }: Ctx) => {
  const user = await requireUser();
  return Response.json({ data: await getProject(getContext().database.db, user, (await params).projectId) });
});

export const PATCH = route(async (req: Request, { params }: Ctx) => {
  const user = await requireUser();
  const body = await readJson(req);
  return Response.json({ data: await updateProject(getContext().database.db, user, (await params).projectId, body) });
});
