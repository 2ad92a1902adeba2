import { alias } from "drizzle-orm/pg-core";
import { desc, eq } from "drizzle-orm";
import type { TInvite } from "../../contracts/invites";
import type { Db } from "../../db/client";
import { invitations, users, type Invitation } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import { assertCanInvite } from "./can-invite";

export const INVITE_LIST_LIMIT = 200;

export function inviteView(row: Invitation, createdBy: TInvite["createdBy"], usedBy: TInvite["usedBy"], now = new Date()): TInvite {
  return {
    id: row.id,
    note: row.note,
    status: row.usedAt ? "used" : row.expiresAt <= now ? "expired" : "active",
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    usedAt: row.usedAt?.toISOString() ?? null,
    createdBy,
    usedBy,
  };
}

/** The newest invitations: all of them for a site admin, the caller's own for a project lead. */
export async function listInvites(db: Db, caller: Caller): Promise<TInvite[]> {
  await assertCanInvite(db, caller);
  const creator = alias(users, "creator");
  const redeemer = alias(users, "redeemer");
  const rows = await db
    .select({ invite: invitations, creatorId: creator.id, creatorName: creator.name, redeemerId: redeemer.id, redeemerName: redeemer.name })
    .from(invitations)
    .leftJoin(creator, eq(creator.id, invitations.createdBy))
    .leftJoin(redeemer, eq(redeemer.id, invitations.usedBy))
    .where(caller.isAdmin ? undefined : eq(invitations.createdBy, caller.id))
    .orderBy(desc(invitations.createdAt))
    .limit(INVITE_LIST_LIMIT);
  return rows.map((r) =>
    inviteView(
      r.invite,
      r.creatorId ? { id: r.creatorId, name: r.creatorName ?? "" } : null,
      r.redeemerId ? { id: r.redeemerId, name: r.redeemerName ?? "" } : null,
    ),
  );
}
