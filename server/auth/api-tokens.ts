/**
 * API tokens for automation and robots: `Authorization: Bearer crv_…`. Only the SHA-256 of a token is
 * stored; the token itself is returned once, at creation. Every token expires: a created one after the days
 * chosen (default 90, at most 365), one minted by signing in (`POST /api/v1/auth/login`) after 12 hours.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { LOGIN_TOKEN_HOURS, ZCreateToken, type TTokenCreated, type TTokenSummary } from "../../contracts/tokens";
import type { Db } from "../../db/client";
import { executeHot } from "../../db/prepared";
import { apiTokens, auditLog, users } from "../../db/schema";
import type { Caller } from "./caller";
import { AppError, notFound } from "../errors";
import { benchOff } from "../bench-switches";

export const TOKEN_PREFIX = "crv_";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Tokens a user may create through `POST /api/v1/tokens` per window (sign-in tokens are limited by sign-in). */
export const TOKEN_CREATION_LIMIT = { max: 30, windowMinutes: 10 };

/**
 * `via: "api"` (the tokens route) is rate-limited per user, counted from the audit log so that every web
 * process sees the same count; `via: "login"` is limited by the sign-in rate limiter instead.
 */
export async function createApiToken(db: Db, userId: string, input: unknown, via: "api" | "login" = "api"): Promise<TTokenCreated> {
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

export async function listApiTokens(db: Db, userId: string): Promise<TTokenSummary[]> {
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
  forgetTokenChecks(db);
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

/**
 * Token checks are cached per token (by its hash; at most TOKEN_CACHE_MAX, oldest out), so a labeller's requests
 * do not each cost a database round trip — bench:api measured the lookup, waiting behind the requests holding
 * the pool, as the largest piece of a label's server time at the tail. A check older than TOKEN_CHECK_TTL_MS is
 * still used while it is re-read in the background (never on the request's path); one older than
 * TOKEN_CHECK_MAX_AGE_MS is not used at all — the request waits for a fresh read. So a revocation in another
 * process takes effect within TOKEN_CHECK_MAX_AGE_MS at worst (about TOKEN_CHECK_TTL_MS plus one read for a token
 * in use), under the 5 s docs/SECURITY.md promises; one in this process (or a change of admin flag) drops the cache
 * at once (`forgetTokenChecks`). Expiry is checked against the cached `expires_at` on every request. Unknown and
 * revoked tokens are never cached (guessing cannot evict the good ones). The cache lives on `globalThis`: the
 * custom server and the Next.js bundle load this module twice and must share it.
 */
export const TOKEN_CHECK_TTL_MS = 1_000;
export const TOKEN_CHECK_MAX_AGE_MS = 4_000;
export const TOKEN_CACHE_MAX = 10_000;

interface TokenRow extends Record<string, unknown> {
  token_id: string;
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  expires_at: string | Date;
}
interface TokenEntry {
  /** When the row (or its pending read) was asked for. */
  at: number;
  row: Promise<TokenRow | null>;
  /** A background re-read in flight. */
  refreshing?: boolean;
}

const CACHE_KEY = Symbol.for("corrective.tokenCache");
/** bench:api's "before" row: a lookup per request, as it was. */
const noCache = benchOff("token-cache");
function tokenCache(db: Db): Map<string, TokenEntry> {
  const g = globalThis as { [CACHE_KEY]?: WeakMap<Db, Map<string, TokenEntry>> };
  const all = (g[CACHE_KEY] ??= new WeakMap());
  let cache = all.get(db);
  if (!cache) all.set(db, (cache = new Map()));
  return cache;
}

/** Drops every cached token check of this process (after a revocation or an admin-flag change). */
export function forgetTokenChecks(db: Db): void {
  tokenCache(db).clear();
}

function lookupToken(db: Db, hash: string): Promise<TokenRow | null> {
  // On a miss only: a prepared statement on PostgreSQL (db/prepared.ts).
  return executeHot<TokenRow>(db, "user_for_token", sql`
    select t.id as token_id, u.id, u.email, u.name, u.is_admin, t.expires_at
    from ${apiTokens} t join ${users} u on u.id = t.user_id
    where t.token_hash = ${hash} and t.revoked_at is null`).then((res) => res.rows[0] ?? null);
}

/** A read on the request's path, cached for the requests that follow (concurrent ones share it). */
function readToken(db: Db, cache: Map<string, TokenEntry>, hash: string, now: number): TokenEntry {
  const entry: TokenEntry = { at: now, row: lookupToken(db, hash) };
  cache.delete(hash); // re-inserted last: Map order is the eviction order
  cache.set(hash, entry);
  while (cache.size > TOKEN_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  // Failures and unknown tokens are not kept: the next request asks the database again.
  entry.row.then(
    (r) => r === null && cache.get(hash) === entry && cache.delete(hash),
    () => cache.get(hash) === entry && cache.delete(hash),
  );
  return entry;
}

/** The user behind a bearer token; `{ expiredAt }` for an expired one; null for an unknown or revoked one. */
export async function userForToken(db: Db, token: string): Promise<Caller | { expiredAt: Date } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const cache = tokenCache(db);
  const now = Date.now();
  let entry = cache.get(hash);
  const age = entry ? now - entry.at : Number.POSITIVE_INFINITY;
  if (!entry || noCache || age >= TOKEN_CHECK_MAX_AGE_MS) entry = readToken(db, cache, hash, now);
  else if (age >= TOKEN_CHECK_TTL_MS && !entry.refreshing) {
    // Stale but usable: answer from it, re-read for the next requests.
    const stale = entry;
    stale.refreshing = true;
    const next = { at: now, row: lookupToken(db, hash) };
    next.row.then(
      (row) => {
        if (cache.get(hash) !== stale) return;
        if (row) cache.set(hash, { at: next.at, row: Promise.resolve(row) });
        else cache.delete(hash); // revoked (or gone): refused from the next request on
      },
      () => {
        stale.refreshing = false; // the database is away: the next request tries again
      },
    );
  }
  const row = await entry.row;
  if (!row) return null;
  const expiresAt = new Date(row.expires_at);
  if (expiresAt.getTime() <= Date.now()) return { expiredAt: expiresAt };
  touchToken(db, row.token_id);
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin };
}
