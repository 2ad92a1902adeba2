import type { TLoginResult } from "../../contracts/auth";
import type { Db } from "../../db/client";
import { AppError } from "../errors";
import { createApiToken } from "./api-tokens";
import { verifyCredentials } from "./verify-credentials";

/** `POST /api/v1/auth/login`: email + password → a new API token that expires in 12 hours (rate-limited like the sign-in page). */
export async function loginForToken(db: Db, input: unknown, ip: string | undefined): Promise<TLoginResult> {
  const user = await verifyCredentials(db, input, ip);
  if (!user) throw new AppError("UNAUTHENTICATED", "Wrong email or password");
  const token = await createApiToken(db, user.id, { name: `login ${new Date().toISOString().slice(0, 16)}` }, "login");
  return { token: token.token, expiresAt: token.expiresAt, user };
}
