import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { forgetSession } from "./check-session";

type Writer = Pick<Db, "update" | "insert">;

/**
 * Ends every session of a user ("sign out everywhere"): bumps the session epoch, so every cookie issued before
 * is refused — at once in this process, within SESSION_CHECK_TTL_MS in others (and connected sockets are
 * dropped by the same re-check). API tokens are separate credentials, listed and revoked on the account page.
 */
export async function revokeSessions(db: Writer, userId: string, reason: "sign_out_everywhere" | "password_changed" | "admin_demoted", actorId = userId): Promise<void> {
  await db.update(users).set({ sessionEpoch: sql`${users.sessionEpoch} + 1` }).where(eq(users.id, userId));
  await db.insert(auditLog).values({ actorId, action: "user.sessions_revoked", targetType: "user", targetId: userId, data: { reason } });
}

/** `DELETE /api/v1/me/sessions`: sign out everywhere. */
export async function signOutEverywhere(db: Db, userId: string): Promise<void> {
  await db.transaction((tx) => revokeSessions(tx, userId, "sign_out_everywhere"));
  forgetSession(db, userId);
}
