/**
 * Is this session still good? Every path that accepts the session cookie — route handlers and pages
 * (`session.ts`), the custom server's fast path (`caller.ts`), socket.io handshakes and connected sockets
 * (`socket-auth.ts`), and next-auth's own `/api/auth/session` (`options.ts`) — asks here. A session is
 * good while its user exists and the epoch in the cookie equals the user's `session_epoch`; the user's name,
 * email and admin flag come from the same row, never from the cookie.
 *
 * Rows are cached for SESSION_CHECK_TTL_MS (bounded to SESSION_CACHE_MAX users, oldest first out), so a busy
 * labeller costs one indexed primary-key read per window, not one per request. A revocation done in this
 * process drops the entry at once (`forgetSession`); other processes see it within the window. The cache lives
 * on `globalThis`: the custom server and the Next.js bundle load this module twice and must share it.
 */
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import type { TSessionClaims } from "./session-claims";
import type { Caller } from "./caller";

export const SESSION_CHECK_TTL_MS = 5_000;
export const SESSION_CACHE_MAX = 10_000;

interface SessionRow {
  email: string;
  name: string;
  isAdmin: boolean;
  epoch: number;
}
interface Entry {
  at: number;
  row: Promise<SessionRow | null>;
}

const KEY = Symbol.for("corrective.sessionCache");
function cacheFor(db: Db): Map<string, Entry> {
  const g = globalThis as { [KEY]?: WeakMap<Db, Map<string, Entry>> };
  const all = (g[KEY] ??= new WeakMap());
  let cache = all.get(db);
  if (!cache) all.set(db, (cache = new Map()));
  return cache;
}

/** The user behind good claims, as the database has them now; null for a missing user or a revoked session. */
export async function checkSession(db: Db, claims: TSessionClaims): Promise<Caller | null> {
  const [row] = await sessionRows(db, [claims.sub]);
  return row && row.epoch === claims.epoch ? { id: claims.sub, email: row.email, name: row.name, isAdmin: row.isAdmin } : null;
}

/**
 * The rows of several users, in one query for those not cached within `maxAgeMs` (socket re-checks pass 0 and
 * so refresh the cache for everyone); null for missing users.
 */
export async function sessionRows(db: Db, userIds: string[], maxAgeMs = SESSION_CHECK_TTL_MS): Promise<(SessionRow | null)[]> {
  const now = Date.now();
  const cache = cacheFor(db);
  const rows = new Map<string, Promise<SessionRow | null>>();
  const stale: string[] = [];
  for (const id of userIds) {
    const e = cache.get(id);
    if (e && now - e.at < maxAgeMs) rows.set(id, e.row);
    else if (!rows.has(id)) stale.push(id);
  }
  if (stale.length) {
    const loaded = db
      .select({ id: users.id, email: users.email, name: users.name, isAdmin: users.isAdmin, epoch: users.sessionEpoch })
      .from(users)
      .where(inArray(users.id, stale))
      .then((found) => new Map(found.map(({ id, ...row }) => [id, row])));
    for (const id of stale) {
      const row = loaded.then((m) => m.get(id) ?? null);
      rows.set(id, row);
      // A failed read is not cached: the next request asks the database again.
      row.catch(() => {
        if (cache.get(id)?.row === row) cache.delete(id);
      });
      cache.delete(id); // re-inserted last: Map order is the eviction order
      cache.set(id, { at: now, row });
    }
    while (cache.size > SESSION_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  return Promise.all(userIds.map((id) => rows.get(id) ?? Promise.resolve(null)));
}

/** Drops a user's cached row after a change in this process (epoch bump, demotion), so it applies at once here. */
export function forgetSession(db: Db, userId: string): void {
  cacheFor(db).delete(userId);
}

/** How many users this process has cached for `db` (for tests of the bound). */
export const sessionCacheSize = (db: Db) => cacheFor(db).size;
