import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user?: { id: string; email?: string | null; name?: string | null; image?: string | null };
  }
}

declare module "next-auth/jwt" {
  /** See server/auth/session-claims.ts: who, under which session epoch, signed in when. */
  interface JWT {
    epoch?: number;
    authTime?: number;
  }
}
