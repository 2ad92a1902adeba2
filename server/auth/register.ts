/**
 * `POST /api/v1/auth/signup`: the public sign-up, under the instance policy (`SIGNUP`):
 *
 * - `closed` → 403; `invite` → the body's `invite` token must be valid (422 on `invite` otherwise) and is spent
 *   by the attempt; `open` → anyone.
 * - at most `SIGNUP_RATE_LIMIT` attempts per client address per hour (429 + Retry-After), counted before the
 *   password is hashed (argon2 is the expensive part an attacker would aim at).
 * - one answer for a new email and a taken one: 202 with the same body, after the same hashing work, so the
 *   form cannot be used to learn who has an account. The UI then signs in; if that fails it says so.
 */
import { SIGN_UP_ACCEPTED_MESSAGE, ZSignUp, type TSignUpAccepted } from "../../contracts/auth";
import type { Db } from "../../db/client";
import type { Limits } from "../config";
import { AppError } from "../errors";
import { redeemInvite, recordInviteUser } from "./invite-token";
import { currentLimits } from "../limits/current-limits";
import { hitWindow, windowWait } from "../limits/rate-counter";
import { hashPassword } from "./password";
import { insertUser } from "./sign-up";

export const SIGNUP_WINDOW_MS = 60 * 60_000;

export async function register(
  db: Db,
  input: unknown,
  ip: string | undefined,
  limits: Pick<Limits, "signup" | "signupPerHour"> = currentLimits(),
): Promise<TSignUpAccepted> {
  if (limits.signup === "closed") throw new AppError("FORBIDDEN", "Sign-up is closed on this instance; ask an administrator for an account");
  const data = ZSignUp.parse(input);
  if (ip) {
    const key = `signup:address:${ip}`;
    const wait = await windowWait(db, key, limits.signupPerHour, SIGNUP_WINDOW_MS);
    if (wait > 0) throw new AppError("RATE_LIMITED", `Too many sign-ups from your address; try again in ${Math.ceil(wait / 60)} min`, { retryAfterSeconds: wait });
    await hitWindow(db, key, SIGNUP_WINDOW_MS);
  }
  const passwordHash = await hashPassword(data.password);
  await db.transaction(async (tx) => {
    const inviteId = limits.signup === "invite" ? await redeemInvite(tx, data.invite) : null;
    const user = await insertUser(tx, data, passwordHash);
    if (user && inviteId) await recordInviteUser(tx, inviteId, user.id);
  });
  return { message: SIGN_UP_ACCEPTED_MESSAGE };
}
