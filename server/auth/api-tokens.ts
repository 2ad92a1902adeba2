/**
 * API tokens for automation and robots: `Authorization: Bearer crv_…`. Only the SHA-256 of a token is
 * stored; the token itself is returned once, at creation. Every token expires: a created one after the days
 * chosen (default 90, at most 365), one minted by signing in (`POST /api/v1/auth/login`) after 12 hours.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { LOGIN_TOKEN_HOURS, ZCreateToken } from "../../contracts/tokens";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { apiTokens, auditLog, users } from "../../db/schema";
import type { Caller } from "./caller";
import { AppError, notFound } from "../errors";

export const TOKEN_PREFIX = "crv_";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Tokens a user may create through `POST /api/v1/tokens` per window (sign-in tokens are limited by sign-in). */
export const TOKEN_CREATION_LIMIT = { max: 30, windowMinutes: 10 };

/**
 * `via: "api"` (the tokens route) is rate-limited per user, counted from the audit log so that every web
 * process sees the same count; `via: "login"` is limited by the sign-in rate limiter instead.
 */
export async function createApiToken(db: Db, userId: string, input: unknown, via: "api" | "login" = "api") {
  const { name, expiresInDays } = ZCreateToken.parse(input);
  if (via === "api") {
    const [recent] = await db
      .select({ n: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${auditLog.createdAt})::text` })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, userId), eq(auditLog.action, "token.created"), sql`${auditLog.createdAt} > now() - make_interval(mins => ${TOKEN_CREATION_LIMIT.windowMinutes})`));
    if ((recent?.n ?? 0) >= TOKEN_CREATION_LIMIT.max) {
      const oldest = recent?.oldest ? Date.parse(recent.oldest) : Date.now();
      const retryAfterSeconds = Math.max(1, Math.ceil((oldest + TOKEN_CREATION_LIMIT.windowMinutes * 60_000 - Date.now()) / 1000));
      throw new AppError("RATE_LIMITED", `Too many API tokens created; try again in ${Math.ceil(retryAfterSeconds / 60)} min`, { retryAfterSeconds });
    }
  }
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
  const lifetime = via === "login" ? sql`make_interval(hours => ${LOGIN_TOKEN_HOURS})` : sql`make_interval(days => ${expiresInDays})`;
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name, tokenHash: hashToken(token), prefix: token.slice(0, 10), expiresAt: sql`now() + ${lifetime}` })
    .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, expiresAt: apiTokens.expiresAt });
  if (!row) throw new Error("token insert returned nothing");
  await db.insert(auditLog).values({ actorId: userId, action: via === "api" ? "token.created" : "token.login", targetType: "api_token", targetId: row.id, data: { name } });
  return { ...row, createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt.toISOString(), token };
}

export async function listApiTokens(db: Db, userId: string) {
  const rows = await db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), lastUsedAt: r.lastUsedAt?.toISOString() ?? null, expiresAt: r.expiresAt.toISOString() }));
}

export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<void> {
  if (!z.uuid().safeParse(tokenId).success) throw notFound("Token not found");
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!rows.length) throw notFound("Token not found");
  await db.insert(auditLog).values({ actorId: userId, action: "token.revoked", targetType: "api_token", targetId: tokenId });
}

const TOUCH_EVERY_MS = 60_000;
const touched = new Map<string, number>();

/** Records a token's last use at most once a minute per process (not a write per request). */
function touchToken(db: Db, tokenId: string): void {
  const now = Date.now();
  if (now - (touched.get(tokenId) ?? 0) < TOUCH_EVERY_MS) return;
  touched.set(tokenId, now);
  void db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, tokenId)).catch(() => {});
}

/** The user behind a bearer token; `{ expiredAt }` for an expired one; null for an unknown or revoked one. */
export async function userForToken(db: Db, token: string): Promise<Caller | { expiredAt: Date } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  // Every API request runs this: a prepared statement on PostgreSQL (db/prepared.ts).
  const res = await executeHot<{ token_id: string; id: string; email: string; name: string; is_admin: boolean; expires_at: string | Date; expired: boolean }>(db, "user_for_token", sql`
    select t.id as token_id, u.id, u.email, u.name, u.is_admin, t.expires_at, t.expires_at <= now() as expired
    from ${apiTokens} t join ${users} u on u.id = t.user_id
    where t.token_hash = ${hashToken(token)} and t.revoked_at is null`);
  const row = res.rows[0];
  if (!row) return null;
  if (row.expired) return { expiredAt: new Date(row.expires_at) };
  touchToken(db, row.token_id);
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin };
}
