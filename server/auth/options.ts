/**
 * next-auth configuration: email + password (credentials provider), JWT sessions. The JWT carries the user's
 * id and admin flag; project roles are always read from the database at authorisation time.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { PAGES } from "../../contracts/routes";
import { getContext } from "../context";
import { AppError } from "../errors";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { verifyCredentials } from "./verify-credentials";

export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

export function authOptions(): NextAuthOptions {
  return {
    secret: getContext().config.authSecret,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
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
            return user ? { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin } : null;
          } catch (err) {
            // next-auth turns a thrown Error's message into the sign-in error shown to the user.
            if (err instanceof AppError) throw new Error(err.message);
            throw err;
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.isAdmin = (user as { isAdmin?: boolean }).isAdmin ?? false;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user) {
          session.user.id = token.sub ?? "";
          session.user.isAdmin = token.isAdmin === true;
        }
        return session;
      },
    },
  };
}
