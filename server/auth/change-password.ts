import { eq } from "drizzle-orm";
import { ZChangePassword } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { AppError } from "../errors";
import { hashPassword, verifyPassword } from "./password";
import { forgetSession } from "./check-session";
import { revokeSessions } from "./revoke-sessions";

/**
 * `POST /api/v1/me/password`: the current password, then a new one. Ends every session of the account,
 * this one included (the page signs in again); API tokens keep working until revoked or expired.
 */
export async function changePassword(db: Db, userId: string, input: unknown): Promise<void> {
  const { currentPassword, newPassword } = ZChangePassword.parse(input);
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw new AppError("UNAUTHENTICATED", "Sign in first");
  if (!(await verifyPassword(row.passwordHash, currentPassword))) {
    throw new AppError("VALIDATION", "The current password is wrong", { fieldErrors: { currentPassword: ["The current password is wrong"] } });
  }
  const passwordHash = await hashPassword(newPassword);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    await tx.insert(auditLog).values({ actorId: userId, action: "user.password_changed", targetType: "user", targetId: userId });
    await revokeSessions(tx, userId, "password_changed");
  });
  forgetSession(db, userId);
}
