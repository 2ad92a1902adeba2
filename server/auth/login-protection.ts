/**
 * Sign-in protection that slows guessing without letting a stranger lock the owner out:
 *
 * - **per account**: exponential back-off on consecutive failures from any address — the first
 *   {@link LOGIN_BACKOFF}.free are free, then 1 s, 2 s, 4 s … capped at 60 s; attempts during the wait are
 *   refused unchecked (429 + Retry-After) and do not count. Once the wait has passed the right password works
 *   again, from any address; success clears the count. At most ~60 guesses an hour reach an account.
 * - **per client address** (what `TRUSTED_PROXIES` makes of the peer, see server/limits/client-ip.ts): at most
 *   `LOGIN_ADDRESS_LIMIT` failures per 15 minutes, across accounts (password spraying).
 *
 * Counters live in the database (server/limits/rate-counter.ts), so they hold across restarts and processes.
 */
import type { Db } from "../../db/client";
import type { Limits } from "../config";
import { AppError } from "../errors";
import { currentLimits } from "../limits/current-limits";
import { backoffWait, clearKey, hitWindow, recordBackoffFailure, windowWait, type BackoffPolicy } from "../limits/rate-counter";

export const LOGIN_BACKOFF: BackoffPolicy = { free: 3, baseS: 1, maxS: 60 };
export const LOGIN_ADDRESS_WINDOW_MS = 15 * 60_000;

export type LoginLimits = Pick<Limits, "loginFailuresPerAddress">;

const accountKey = (email: string) => `login:account:${email.toLowerCase()}`;
const addressKey = (ip: string) => `login:address:${ip}`;

const refuse = (wait: number) =>
  new AppError("RATE_LIMITED", `Too many failed sign-in attempts; try again in ${wait} s`, { retryAfterSeconds: wait });

/** Throws RATE_LIMITED (with Retry-After) while the account is backing off or the address is over its limit. */
export async function assertLoginAllowed(db: Db, email: string, ip: string | undefined, limits: LoginLimits = currentLimits()): Promise<void> {
  const waits = await Promise.all([
    backoffWait(db, accountKey(email)),
    ip ? windowWait(db, addressKey(ip), limits.loginFailuresPerAddress, LOGIN_ADDRESS_WINDOW_MS) : Promise.resolve(0),
  ]);
  const wait = Math.max(...waits);
  if (wait > 0) throw refuse(wait);
}

export async function recordLoginFailure(db: Db, email: string, ip: string | undefined): Promise<void> {
  await recordBackoffFailure(db, accountKey(email), LOGIN_BACKOFF);
  if (ip) await hitWindow(db, addressKey(ip), LOGIN_ADDRESS_WINDOW_MS);
}

export async function recordLoginSuccess(db: Db, email: string): Promise<void> {
  await clearKey(db, accountKey(email));
}
