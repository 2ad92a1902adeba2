/**
 * Authenticates a socket.io handshake from the same next-auth session cookie the pages use.
 */
import { decode } from "next-auth/jwt";
import type { SessionUser } from "../auth/session";

const COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

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
  for (const name of COOKIE_NAMES) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`) ?? "");
    if (chunks.length) return chunks.join("");
  }
  return undefined;
}

export async function userFromCookieHeader(header: string | undefined, secret: string): Promise<SessionUser | null> {
  const token = sessionToken(parseCookies(header));
  if (!token) return null;
  try {
    const jwt = await decode({ token, secret });
    if (!jwt?.sub || !jwt.email) return null;
    return { id: jwt.sub, email: jwt.email, name: jwt.name ?? jwt.email, isAdmin: jwt.isAdmin === true };
  } catch {
    return null;
  }
}
