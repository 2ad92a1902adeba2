import { eq, sql } from "drizzle-orm";
import { ZSignIn } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { AppError } from "../errors";
import { loginRateLimiter, rateLimitKeys } from "./login-rate-limit";
import { timingDummyHash, verifyPassword } from "./password";
import type { PublicUser } from "./sign-up";

/**
 * Checks an email and password. Returns the user, or null for any mismatch (one generic answer, and the
 * same hashing cost whether or not the account exists). Throws RATE_LIMITED after repeated failures.
 */
export async function verifyCredentials(db: Db, input: unknown, ip?: string): Promise<PublicUser | null> {
  const parsed = ZSignIn.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const limiter = loginRateLimiter();
  const keys = rateLimitKeys(email, ip);
  const wait = limiter.retryAfter(keys);
  if (wait > 0) {
    throw new AppError("RATE_LIMITED", `Too many failed sign-in attempts; try again in ${Math.ceil(wait / 60)} min`, {
      retryAfterSeconds: wait,
    });
  }
  const [row] = await db.select().from(users).where(eq(sql`lower(${users.email})`, email)).limit(1);
  const ok = await verifyPassword(row?.passwordHash ?? (await timingDummyHash()), password);
  if (!row || !ok) {
    limiter.recordFailure(keys);
    return null;
  }
  limiter.reset([`email:${email}`]);
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.isAdmin };
}
