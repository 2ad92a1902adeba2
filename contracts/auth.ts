import { z } from "zod";
import { zId, zTimestamp } from "./fields";

/* Session lifetimes (server/auth/session-claims.ts; docs/SECURITY.md, "Sessions"). */
/**
 * Idle lifetime: the cookie expires this long after its last renewal. next-auth re-issues the JWT (a fresh
 * expiry) on every read of `/api/auth/session`, which the browser's SessionProvider does on each page load, on
 * focus and every SESSION_REFETCH_S — so a session in use slides forward and an abandoned one ends in 12 h.
 */
export const SESSION_IDLE_S = 12 * 60 * 60;
/** Absolute lifetime: however active, a session ends this long after the password was typed (claim `authTime`). */
export const SESSION_ABSOLUTE_S = 7 * 24 * 60 * 60;
/** How often an open tab renews its session (well inside the idle lifetime). */
export const SESSION_REFETCH_S = 60 * 60;

export const ZSignUp = z.object({
  name: z.string().trim().min(1, "Name is required").max(100, "Name is too long"),
  email: z.email("Enter a valid email address").max(254).transform((s) => s.trim().toLowerCase()),
  password: z.string().min(8, "Password must be at least 8 characters").max(200, "Password is too long"),
  /** An invitation token (`inv_…`); required when the instance's sign-up is invite-only, ignored when open. */
  invite: z.string().trim().max(200).optional(),
});
export type TSignUp = z.infer<typeof ZSignUp>;

export const ZSignIn = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});
export type TSignIn = z.infer<typeof ZSignIn>;

/** A new password follows the sign-up rule. */
const ZNewPassword = ZSignUp.shape.password;

export const ZChangePassword = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(200),
    newPassword: ZNewPassword,
  })
  .strict();
export type TChangePassword = z.infer<typeof ZChangePassword>;

/** A site admin grants or withdraws another account's site-admin flag. */
export const ZSetSiteAdmin = z.object({ isAdmin: z.boolean() }).strict();
export type TSetSiteAdmin = z.infer<typeof ZSetSiteAdmin>;

/**
 * The one answer to every accepted sign-up, whether the email was new (account created) or already taken:
 * the same status (202) and body, so sign-up cannot be used to find out who has an account.
 */
export const SIGN_UP_ACCEPTED_MESSAGE = "If this email was not registered yet, your account has been created: sign in with it.";
export const ZSignUpAccepted = z.object({ message: z.string().describe(`Always "${SIGN_UP_ACCEPTED_MESSAGE}"`) });
export type TSignUpAccepted = z.output<typeof ZSignUpAccepted>;

/** An account as the API shows it (never the password hash). */
export const ZUserView = z.object({ id: zId(), email: z.string(), name: z.string(), isAdmin: z.boolean() });
export type TUser = z.output<typeof ZUserView>;
export const ZLoginResult = z.object({
  token: z.string().describe("A new API token (`crv_…`); shown once. It expires after 12 hours."),
  expiresAt: zTimestamp(),
  user: ZUserView,
});
export type TLoginResult = z.output<typeof ZLoginResult>;
