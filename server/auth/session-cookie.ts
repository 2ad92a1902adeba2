/**
 * The session cookie read from a raw `Cookie` header — the one reader for route handlers, pages, the fast path
 * and socket.io handshakes. The cookie is the next-auth JWT (encrypted with the auth secret); a good one names a
 * user whose session epoch still matches (check-session.ts).
 */
import { decode } from "next-auth/jwt";
import type { Db } from "../../db/client";
import { checkSession } from "./check-session";
import { sessionClaims } from "./session-claims";
import type { Caller } from "./caller";

export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out.set(name, decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // a malformed cookie value is ignored, not fatal
    }
  }
  return out;
}

/** The session token may be split into chunks (`name.0`, `name.1`, …) when it is large. */
function sessionToken(cookies: Map<string, string>): string | undefined {
  for (const name of SESSION_COOKIE_NAMES) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`) ?? "");
    if (chunks.length) return chunks.join("");
  }
  return undefined;
}

/** Claims of a session token, or null (with one log line, no stack) for one that is forged, garbage or expired. */
export async function decodeSessionToken(token: string, secret: string) {
  let jwt: unknown;
  try {
    jwt = await decode({ token, secret });
  } catch (err) {
    logRefusedCookie(err instanceof Error ? err.message : String(err));
    return null;
  }
  return jwt ? sessionClaims(jwt) : null;
}

export function logRefusedCookie(reason: string): void {
  console.warn(`[auth] refused a session cookie: ${reason.split("\n")[0]?.slice(0, 200)}`);
}

/** The signed-in user behind a `Cookie` header, or null: no cookie, an undecodable one, a revoked session or a missing user. */
export async function userFromCookieHeader(db: Db, header: string | undefined, secret: string): Promise<Caller | null> {
  const user = await sessionFromCookieHeader(db, header, secret);
  return user?.user ?? null;
}

/** As userFromCookieHeader, with the session's epoch (sockets keep it to re-check later). */
export async function sessionFromCookieHeader(db: Db, header: string | undefined, secret: string): Promise<{ user: Caller; epoch: number } | null> {
  const token = sessionToken(parseCookies(header));
  if (!token) return null;
  const claims = await decodeSessionToken(token, secret);
  if (!claims) return null;
  const user = await checkSession(db, claims);
  return user ? { user, epoch: claims.epoch } : null;
}
