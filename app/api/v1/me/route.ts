import { requireUser } from "@/server/auth/session";
import { route } from "@/server/http/respond";

export const GET = route(async () => Response.json({ data: await requireUser() }));
