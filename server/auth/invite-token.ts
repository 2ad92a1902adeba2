/**
 * Invitation tokens: `inv_` + 24 random bytes; only the SHA-256 is stored. Redeeming is one conditional
 * update (unused and unexpired → used), so a token is spent at most once even under concurrent sign-ups.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { INVITE_PREFIX } from "../../contracts/invites";
import { invitations } from "../../db/schema";
import { unprocessable } from "../errors";
import type { Tx } from "../../db/tx";

export const newInviteToken = () => `${INVITE_PREFIX}${randomBytes(24).toString("base64url")}`;
export const hashInviteToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const INVALID_INVITE = "This invitation is invalid, expired or already used; ask for a new one";

/** Marks the invitation used and returns its id; 422 on `invite` when it is unknown, expired or spent. */
export async function redeemInvite(tx: Tx, token: string | undefined): Promise<string> {
  if (!token) throw unprocessable("invite", "Sign-up on this instance needs an invitation; ask an administrator or a project lead");
  const [row] = await tx
    .update(invitations)
    .set({ usedAt: sql`now()` })
    .where(and(eq(invitations.tokenHash, hashInviteToken(token)), isNull(invitations.usedAt), gt(invitations.expiresAt, sql`now()`)))
    .returning({ id: invitations.id });
  if (!row) throw unprocessable("invite", INVALID_INVITE);
  return row.id;
}

export async function recordInviteUser(tx: Tx, inviteId: string, userId: string): Promise<void> {
  await tx.update(invitations).set({ usedBy: userId }).where(eq(invitations.id, inviteId));
}
