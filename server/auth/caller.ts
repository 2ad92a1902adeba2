/**
 * Who is calling an API route: a bearer API token (automation, robots, the CLI) or the session cookie.
 */
import type { Db } from "../../db/client";
import { AppError } from "../errors";
import { userForToken } from "../tokens/api-tokens";
import { userFromCookieHeader } from "../realtime/socket-auth";
import { currentUser, type SessionUser } from "./session";

export async function requireCaller(db: Db, req: Request): Promise<SessionUser> {
  const auth = req.headers.get("authorization");
  if (auth) return requireTokenCaller(db, auth);
  return signedIn(await currentUser());
}

/**
 * The same rule from raw headers, outside Next.js's request scope (the custom server's fast path): the session
 * cookie is the next-auth JWT, decoded with the same secret as the pages and socket.io handshakes use.
 */
export async function requireCallerFromHeaders(db: Db, authorization: string | undefined, cookie: string | undefined, secret: string): Promise<SessionUser> {
  if (authorization) return requireTokenCaller(db, authorization);
  return signedIn(await userFromCookieHeader(cookie, secret));
}

async function requireTokenCaller(db: Db, authorization: string): Promise<SessionUser> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const user = match?.[1] ? await userForToken(db, match[1]) : null;
  if (!user) throw new AppError("UNAUTHENTICATED", "Invalid or revoked API token");
  return user;
}

function signedIn(user: SessionUser | null): SessionUser {
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first, or send Authorization: Bearer <token>");
  return user;
}
