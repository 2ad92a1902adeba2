/**
 * Who is calling: for server components and pages. Reads the session cookie of the request being rendered
 * through the same checks as every other path (session-cookie.ts → check-session.ts).
 */
import { headers } from "next/headers";
import { getContext } from "../context";
import { AppError } from "../errors";
import type { Caller } from "./caller";
import { userFromCookieHeader } from "./session-cookie";

export async function currentUser(): Promise<Caller | null> {
  const { config, database } = getContext();
  return userFromCookieHeader(database.db, (await headers()).get("cookie") ?? undefined, config.authSecret);
}

export async function requireUser(): Promise<Caller> {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first");
  return user;
}
