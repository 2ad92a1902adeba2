import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { auditLog, invitations } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { assertCanInvite } from "./can-invite";

/** Expires an unused invitation now (its creator, or any site admin). Someone else's or a spent one: 404. */
export async function revokeInvite(db: Db, caller: Caller, inviteId: string): Promise<void> {
  await assertCanInvite(db, caller);
  if (!z.uuid().safeParse(inviteId).success) throw notFound("Invitation not found");
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(invitations)
      .set({ expiresAt: sql`least(${invitations.expiresAt}, now())` })
      .where(and(eq(invitations.id, inviteId), isNull(invitations.usedAt), caller.isAdmin ? undefined : eq(invitations.createdBy, caller.id)))
      .returning({ id: invitations.id });
    if (!row) throw notFound("Invitation not found");
    await tx.insert(auditLog).values({ actorId: caller.id, action: "invite.revoked", targetType: "invitation", targetId: inviteId });
  });
}
