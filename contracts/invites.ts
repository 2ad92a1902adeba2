/** Sign-up invitations (instance policy `SIGNUP=invite`). */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";

export const INVITE_PREFIX = "inv_";

export const ZCreateInvite = z
  .object({
    /** Who it is for, for the inviter's own list (never checked against the email used). */
    note: z.string().trim().max(200).default(""),
    expiresInDays: z.int().min(1).max(30).default(7),
  })
  .strict();
export type TCreateInvite = z.infer<typeof ZCreateInvite>;

export const INVITE_STATUSES = ["active", "used", "expired"] as const;

const ZInviteParty = z.object({ id: zId(), name: z.string() }).nullable();
export const ZInviteView = z.object({
  id: zId(),
  note: z.string(),
  status: z.enum(INVITE_STATUSES),
  createdAt: zTimestamp(),
  expiresAt: zTimestamp(),
  usedAt: zTimestamp().nullable(),
  createdBy: ZInviteParty,
  usedBy: ZInviteParty.describe("The account the invitation created; null if unused, or used with an email that already had an account."),
});
export type TInvite = z.output<typeof ZInviteView>;
export const ZInviteCreated = ZInviteView.extend({ token: z.string().describe("The invitation token (`inv_…`), shown once; send `/signup?invite=<token>`.") });
export type TInviteCreated = z.output<typeof ZInviteCreated>;
