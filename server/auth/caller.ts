/**
 * Who is calling an API route: a bearer API token (automation, robots, the CLI) or the session cookie.
 */
import type { Db } from "../../db/client";
import { getContext } from "../context";
import { AppError } from "../errors";
import { userForToken } from "./api-tokens";
import { userFromCookieHeader } from "./session-cookie";

/**
 * Who is calling — a signed-in user (session cookie) or the owner of an API token; the one identity that pages,
 * route handlers, sockets and services receive. Services decide with `id` and `isAdmin`; pages and presence
 * show `name` and `email`.
 */
export interface Caller {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}

export async function requireCaller(db: Db, req: Request): Promise<Caller> {
  return requireCallerFromHeaders(db, req.headers.get("authorization") ?? undefined, req.headers.get("cookie") ?? undefined, getContext().config.authSecret);
}

/**
 * The same rule from raw headers, also outside Next.js's request scope (the custom server's fast path): the
 * session cookie is the next-auth JWT, checked against the user's session epoch like everywhere else.
 */
export async function requireCallerFromHeaders(db: Db, authorization: string | undefined, cookie: string | undefined, secret: string): Promise<Caller> {
  if (authorization) return requireTokenCaller(db, authorization);
  const user = await userFromCookieHeader(db, cookie, secret);
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first, or send Authorization: Bearer <token>");
  return user;
}

async function requireTokenCaller(db: Db, authorization: string): Promise<Caller> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const found = match?.[1] ? await userForToken(db, match[1]) : null;
  if (!found) throw new AppError("UNAUTHENTICATED", "Invalid or revoked API token");
  if ("expiredAt" in found) throw new AppError("UNAUTHENTICATED", `This API token expired on ${found.expiredAt.toISOString().slice(0, 10)}; create a new one`);
  return found;
}
