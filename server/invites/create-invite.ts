import { sql } from "drizzle-orm";
import { ZCreateInvite, type TInviteCreated } from "../../contracts/invites";
import type { Db } from "../../db/client";
import { auditLog, invitations } from "../../db/schema";
import type { Caller } from "../auth/caller";
import { assertCanInvite } from "./can-invite";
import { hashInviteToken, newInviteToken } from "../auth/invite-token";
import { inviteView } from "./list-invites";

/** An admin or project lead creates a single-use invitation; the token is returned once, only its hash kept. */
export async function createInvite(db: Db, caller: Caller, input: unknown): Promise<TInviteCreated> {
  await assertCanInvite(db, caller);
  const { note, expiresInDays } = ZCreateInvite.parse(input);
  const token = newInviteToken();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(invitations)
      .values({ tokenHash: hashInviteToken(token), note, createdBy: caller.id, expiresAt: sql`now() + make_interval(days => ${expiresInDays})` })
      .returning();
    if (!row) throw new Error("invitation insert returned nothing");
    await tx.insert(auditLog).values({ actorId: caller.id, action: "invite.created", targetType: "invitation", targetId: row.id, data: { note, expiresInDays } });
    return { ...inviteView(row, { id: caller.id, name: caller.name }, null), token };
  });
}
