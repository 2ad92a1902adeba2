import { eq, sql } from "drizzle-orm";
import { ZSignIn } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { assertLoginAllowed, recordLoginFailure, recordLoginSuccess, type LoginLimits } from "./login-protection";
import { timingDummyHash, verifyPassword } from "./password";
import type { TUser } from "../../contracts/auth";

/**
 * Checks an email and password. Returns the user, or null for any mismatch (one generic answer, and the
 * same hashing cost whether or not the account exists). Throws RATE_LIMITED while the account backs off or
 * the address is over its limit (server/auth/login-protection.ts).
 */
export async function verifyCredentials(db: Db, input: unknown, ip?: string, limits?: LoginLimits): Promise<TUser | null> {
  const parsed = ZSignIn.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  await assertLoginAllowed(db, email, ip, limits);
  const [row] = await db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase())).limit(1);
  const ok = await verifyPassword(row?.passwordHash ?? (await timingDummyHash()), password);
  if (!row || !ok) {
    await recordLoginFailure(db, email, ip);
    return null;
  }
  await recordLoginSuccess(db, email);
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.isAdmin };
}
