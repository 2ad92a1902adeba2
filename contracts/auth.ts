import { z } from "zod";

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

/**
 * The one answer to every accepted sign-up, whether the email was new (account created) or already taken:
 * the same status (202) and body, so sign-up cannot be used to find out who has an account.
 */
export const SIGN_UP_ACCEPTED_MESSAGE = "If this email was not registered yet, your account has been created: sign in with it.";
export interface TSignUpAccepted {
  message: string;
}
