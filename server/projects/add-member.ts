import { sql } from "drizzle-orm";
import type { TMember } from "../../contracts/projects";
import { ZAddMember } from "../../contracts/settings";
import type { Db } from "../../db/client";
import { auditLog, memberships, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError } from "../errors";

/** Lead-only: give an existing user a role in the project (or change it). */
export async function addMember(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TMember> {
  await authorizeProject(db, caller, projectId, "lead");
  const { email, role } = ZAddMember.parse(input);
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, name: users.name, email: users.email }).from(users).where(sql`lower(${users.email}) = ${email}`);
    if (!user) throw new AppError("NOT_FOUND", "No account with this email; ask them to sign up first", { fieldErrors: { email: ["No account with this email"] } });
    await tx
      .insert(memberships)
      .values({ projectId, userId: user.id, role })
      .onConflictDoUpdate({ target: [memberships.projectId, memberships.userId], set: { role } });
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "member.added", targetType: "user", targetId: user.id, data: { role } });
    return { userId: user.id, name: user.name, email: user.email, role };
  });
}
