/**
 * next-auth configuration: email + password (credentials provider), JWT sessions. The JWT names the user, the
 * session epoch it was issued under and when the password was typed (server/auth/session-claims.ts); every
 * read — here in the `jwt` callback for `/api/auth/session`, and in session-cookie.ts for every other path —
 * checks it against the database (check-session.ts), so a revoked session or a deleted user ends within seconds.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { SESSION_IDLE_S } from "../../contracts/auth";
import { sameOriginUrl } from "../../contracts/redirects";
import { PAGES } from "../../contracts/routes";
import { getContext } from "../context";
import { AppError } from "../errors";
import { CLIENT_IP_HEADER } from "../limits/client-ip";
import { checkSession, forgetSession, sessionRows } from "./check-session";
import { sessionClaims } from "./session-claims";
import { logRefusedCookie } from "./session-cookie";
import { verifyCredentials } from "./verify-credentials";

/** A refused session inside next-auth: it clears the cookie and logs the code (one line, see `logger`). */
class SessionEnded extends Error {}

export function authOptions(): NextAuthOptions {
  return {
    secret: getContext().config.authSecret,
    // Idle lifetime; next-auth re-issues the JWT with a fresh expiry on every /api/auth/session read (sliding).
    session: { strategy: "jwt", maxAge: SESSION_IDLE_S },
    jwt: { maxAge: SESSION_IDLE_S },
    pages: { signIn: PAGES.signIn },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const header = req?.headers?.[CLIENT_IP_HEADER];
          const ip = Array.isArray(header) ? header[0] : header;
          try {
            const user = await verifyCredentials(getContext().database.db, credentials, ip);
            return user ? { id: user.id, email: user.email, name: user.name } : null;
          } catch (err) {
            // next-auth turns a thrown Error's message into the sign-in error shown to the user.
            if (err instanceof AppError) throw new Error(err.message);
            throw err;
          }
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        const db = getContext().database.db;
        if (user) {
          // Signing in: the claims every later read checks. No admin flag or role is ever put in the cookie.
          forgetSession(db, user.id);
          const [row] = await sessionRows(db, [user.id]);
          if (!row) throw new SessionEnded("signed in as a user who no longer exists");
          return { sub: user.id, email: row.email, name: row.name, epoch: row.epoch, authTime: Math.floor(Date.now() / 1000) };
        }
        const claims = sessionClaims(token);
        const live = claims ? await checkSession(db, claims) : null;
        if (!claims || !live) throw new SessionEnded("session revoked, expired or for a missing user");
        return { sub: claims.sub, email: live.email, name: live.name, epoch: claims.epoch, authTime: claims.authTime };
      },
      session({ session, token }) {
        if (session.user) {
          session.user.id = token.sub ?? "";
          session.user.name = token.name ?? null;
          session.user.email = token.email ?? null;
        }
        return session;
      },
      redirect({ url, baseUrl }) {
        return sameOriginUrl(url, baseUrl, PAGES.projects);
      },
    },
    logger: {
      // Forged, garbage or revoked cookies are everyday traffic: one line each, no stack.
      error(code, metadata) {
        const err = metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error;
        const message = err instanceof Error ? err.message : typeof metadata === "string" ? metadata : code;
        if (code === "JWT_SESSION_ERROR") logRefusedCookie(message);
        else console.error(`[next-auth] ${code}: ${message.split("\n")[0]}`);
      },
      warn(code) {
        console.warn(`[next-auth] ${code}`);
      },
      debug() {},
    },
  };
}
