import { eq } from "drizzle-orm";
import { z } from "zod";
import { ZSetSiteAdmin } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { AppError, notFound } from "../errors";
import { forgetTokenChecks } from "./api-tokens";
import type { Caller } from "./caller";
import { forgetSession } from "./check-session";
import { revokeSessions } from "./revoke-sessions";
import type { TUser } from "../../contracts/auth";

/**
 * `PATCH /api/v1/users/{userId}`: a site admin grants or withdraws the site-admin flag. Withdrawing it also
 * ends the account's sessions, so nothing signed in as an admin outlives the decision (the flag itself is read
 * from the database on every request anyway). An admin cannot demote themself: the last admin would lock the
 * site out of its own administration.
 */
export async function setSiteAdmin(db: Db, caller: Caller, userId: string, input: unknown): Promise<TUser> {
  if (!caller.isAdmin) throw new AppError("FORBIDDEN", "Only a site admin can change who is a site admin");
  const { isAdmin } = ZSetSiteAdmin.parse(input);
  if (!z.uuid().safeParse(userId).success) throw notFound("User not found");
  if (userId === caller.id && !isAdmin) throw new AppError("CONFLICT", "You cannot withdraw your own site-admin flag; ask another admin");
  const user = await db.transaction(async (tx) => {
    const [before] = await tx.select({ isAdmin: users.isAdmin }).from(users).where(eq(users.id, userId)).for("update");
    if (!before) throw notFound("User not found");
    const [after] = await tx
      .update(users)
      .set({ isAdmin })
      .where(eq(users.id, userId))
      .returning({ id: users.id, email: users.email, name: users.name, isAdmin: users.isAdmin });
    if (!after) throw notFound("User not found");
    if (before.isAdmin !== isAdmin) {
      await tx.insert(auditLog).values({ actorId: caller.id, action: isAdmin ? "user.admin_granted" : "user.admin_withdrawn", targetType: "user", targetId: userId });
      if (!isAdmin) await revokeSessions(tx, userId, "admin_demoted", caller.id);
    }
    return after;
  });
  forgetSession(db, userId);
  forgetTokenChecks(db); // the admin flag of a token's user is cached too
  return user;
}
