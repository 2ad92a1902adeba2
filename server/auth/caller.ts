/**
 * Who is calling an API route: a bearer API token (automation, robots, the CLI) or the session cookie.
 */
import type { Db } from "../../db/client";
import { AppError } from "../errors";
import { userForToken } from "../tokens/api-tokens";
import { currentUser, type SessionUser } from "./session";

export async function requireCaller(db: Db, req: Request): Promise<SessionUser> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    const user = match?.[1] ? await userForToken(db, match[1]) : null;
    if (!user) throw new AppError("UNAUTHENTICATED", "Invalid or revoked API token");
    return user;
  }
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first, or send Authorization: Bearer <token>");
  return user;
}
