import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import { AppError } from "../errors";

/** Site admins and anyone who leads a project may invite people to the instance; others get 403. */
export async function assertCanInvite(db: Db, caller: Caller): Promise<void> {
  if (caller.isAdmin) return;
  const [lead] = await db
    .select({ projectId: memberships.projectId })
    .from(memberships)
    .where(and(eq(memberships.userId, caller.id), eq(memberships.role, "lead")))
    .limit(1);
  if (!lead) throw new AppError("FORBIDDEN", "Only site admins and project leads can invite people");
}
