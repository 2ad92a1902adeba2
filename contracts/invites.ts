/** Sign-up invitations (instance policy `SIGNUP=invite`). */
import { z } from "zod";

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

export interface TInvite {
  id: string;
  note: string;
  status: (typeof INVITE_STATUSES)[number];
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  createdBy: { id: string; name: string } | null;
  usedBy: { id: string; name: string } | null;
}

export interface TInviteCreated extends TInvite {
  /** The token itself; only its hash is stored, so this is the only time it is shown. */
  token: string;
}
