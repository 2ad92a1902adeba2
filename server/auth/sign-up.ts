import { ZSignUp, type TSignUp, type TUser } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { AppError } from "../errors";
import type { Tx } from "../../db/tx";
import { hashPassword } from "./password";

/**
 * Creates an account directly (seed, scripts, tests; the public route goes through `register`, which adds the
 * instance's sign-up policy and answers uniformly). Invalid input → VALIDATION with field errors; a taken
 * email → CONFLICT on `email`.
 */
export async function signUp(db: Db, input: unknown): Promise<TUser> {
  const data = ZSignUp.parse(input);
  const passwordHash = await hashPassword(data.password);
  return db.transaction(async (tx) => {
    const user = await insertUser(tx, data, passwordHash);
    if (!user) {
      throw new AppError("CONFLICT", "An account with this email already exists", {
        fieldErrors: { email: ["An account with this email already exists"] },
      });
    }
    return user;
  });
}

/** Inserts the user with its audit entry; null if the email is taken (case-insensitively). */
export async function insertUser(tx: Tx, data: Pick<TSignUp, "name" | "email">, passwordHash: string): Promise<TUser | null> {
  const [user] = await tx
    .insert(users)
    .values({ email: data.email, name: data.name, passwordHash })
    .onConflictDoNothing() // the only unique key besides the id is lower(email)
    .returning({ id: users.id, email: users.email, name: users.name, isAdmin: users.isAdmin });
  if (!user) return null;
  await tx.insert(auditLog).values({ actorId: user.id, action: "user.signed_up", targetType: "user", targetId: user.id });
  return user;
}
