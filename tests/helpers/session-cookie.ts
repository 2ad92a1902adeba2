/**
 * Session cookies for tests: minted directly with a secret (as an attacker holding it could, or a test that
 * controls the server's secret), or obtained the real way — next-auth's credentials sign-in over HTTP.
 */
import { encode } from "next-auth/jwt";

export const SESSION_COOKIE = "next-auth.session-token";

/** The constant demo secret of earlier versions: public, so a cookie signed with it must never be accepted. */
export const OLD_DEMO_SECRET = "corrective-demo-secret-do-not-use-in-production";

export async function mintSessionCookie(user: { id: string; email: string; name: string }, secret: string, claims: Record<string, unknown> = {}): Promise<string> {
  const token = { sub: user.id, email: user.email, name: user.name, epoch: 0, authTime: Math.floor(Date.now() / 1000), ...claims };
  return `${SESSION_COOKIE}=${await encode({ token, secret })}`;
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]!);

/** Signs in through next-auth's credentials provider; returns the session cookie, or null when refused. */
export async function signInCookie(base: string, email: string, password: string, callbackUrl = "/projects"): Promise<{ cookie: string | null; location: string | null }> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes).join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar, origin: base },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl }).toString(),
  });
  const session = cookiesOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`) && c.length > SESSION_COOKIE.length + 1);
  return { cookie: session ?? null, location: res.headers.get("location") };
}
