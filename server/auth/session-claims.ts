/**
 * What a session cookie (the next-auth JWT, encrypted with the auth secret) carries, and the lifetimes it lives
 * by. The cookie names a user and the session epoch it was issued under; it carries no roles or admin flag —
 * those are read from the database on every use (server/auth/check-session.ts).
 */
import { z } from "zod";
import { SESSION_ABSOLUTE_S } from "../../contracts/auth";

export const ZSessionClaims = z.object({
  sub: z.uuid(),
  epoch: z.number().int().nonnegative(),
  /** Seconds since the epoch when the user signed in. */
  authTime: z.number().int().positive(),
});
export type TSessionClaims = z.infer<typeof ZSessionClaims>;

/** The claims of a decoded token, or null when they are missing, malformed, or past the absolute lifetime. */
export function sessionClaims(token: unknown, nowS = Math.floor(Date.now() / 1000)): TSessionClaims | null {
  const parsed = ZSessionClaims.safeParse(token);
  if (!parsed.success) return null;
  if (parsed.data.authTime > nowS + 60 || nowS - parsed.data.authTime > SESSION_ABSOLUTE_S) return null;
  return parsed.data;
}
