import { ZSignUp } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { AppError } from "../errors";
import { hashPassword } from "./password";

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}

/** Creates an account. Invalid input → VALIDATION with field errors; a taken email → CONFLICT on `email`. */
export async function signUp(db: Db, input: unknown): Promise<PublicUser> {
  const data = ZSignUp.parse(input);
  const passwordHash = await hashPassword(data.password);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: data.email, name: data.name, passwordHash })
      .onConflictDoNothing() // the only unique key besides the id is lower(email)
      .returning({ id: users.id, email: users.email, name: users.name, isAdmin: users.isAdmin });
    if (!user) {
      throw new AppError("CONFLICT", "An account with this email already exists", {
        fieldErrors: { email: ["An account with this email already exists"] },
      });
    }
    await tx.insert(auditLog).values({ actorId: user.id, action: "user.signed_up", targetType: "user", targetId: user.id });
    return user;
  });
}
