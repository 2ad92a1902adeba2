/**
 * Abuse counters in the `rate_limits` table, so limits hold across restarts and across web processes (an
 * attacker cannot reset them by crashing a node or spreading requests over several). Two kinds:
 *
 * - **fixed window** (`hitWindow` / `windowWait`): at most `limit` events per `windowMs` for a key (failed
 *   sign-ins per address, sign-ups per address). Each update is one atomic upsert.
 * - **back-off** (`recordBackoffFailure` / `backoffWait` / `clearKey`): consecutive failures for a key make it
 *   wait `min(maxS, baseS · 2^(failures − free − 1))` seconds after the last one; success clears it. Never a
 *   lock: once the wait has passed the next attempt is judged on its merits.
 *
 * Rows untouched for a day are pruned now and then by the writers (no timer to own).
 */
import { eq, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rateLimits } from "../../db/schema";

const PRUNE_AFTER = sql`interval '1 day'`;
const PRUNE_EVERY = 200;
let writesSincePrune = 0;

async function maybePrune(db: Db): Promise<void> {
  if (++writesSincePrune < PRUNE_EVERY) return;
  writesSincePrune = 0;
  await db.delete(rateLimits).where(lt(rateLimits.updatedAt, sql`now() - ${PRUNE_AFTER}`));
}

const secondsUntil = (t: Date | string | null | undefined, now: Date | string): number => {
  if (!t) return 0;
  return Math.max(0, Math.ceil((new Date(t).getTime() - new Date(now).getTime()) / 1000));
};

/** Seconds until `key` may have another event in its window, or 0 if it is under `limit`. */
export async function windowWait(db: Db, key: string, limit: number, windowMs: number): Promise<number> {
  const rows = await db.execute<{ count: number; until: string; now: string }>(sql`
    select count, window_start + (${windowMs} * interval '1 millisecond') as until, now() as now
    from ${rateLimits} where key = ${key}`);
  const row = rows.rows[0];
  if (!row || row.count < limit) return 0;
  return secondsUntil(row.until, row.now);
}

/** Counts one event for `key` in the current window (a new window starts when the old one has passed). */
export async function hitWindow(db: Db, key: string, windowMs: number): Promise<void> {
  const expired = sql`${rateLimits.windowStart} <= now() - (${windowMs} * interval '1 millisecond')`;
  await db
    .insert(rateLimits)
    .values({ key, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${expired} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
        updatedAt: sql`now()`,
      },
    });
  await maybePrune(db);
}

export interface BackoffPolicy {
  /** Failures allowed before any wait. */
  free: number;
  baseS: number;
  maxS: number;
}

/** Seconds `key` must still wait after its last failure, or 0. */
export async function backoffWait(db: Db, key: string): Promise<number> {
  const rows = await db.execute<{ until: string | null; now: string }>(sql`select blocked_until as until, now() as now from ${rateLimits} where key = ${key}`);
  const row = rows.rows[0];
  return row ? secondsUntil(row.until, row.now) : 0;
}

/** Counts a consecutive failure for `key` and starts its wait; returns the wait in seconds (0 while free). */
export async function recordBackoffFailure(db: Db, key: string, policy: BackoffPolicy): Promise<number> {
  const delay = (failures: SQL) =>
    sql`case when ${failures} > ${policy.free} then now() + least(${policy.maxS}::float8, ${policy.baseS}::float8 * power(2::float8, ${failures} - ${policy.free} - 1)) * interval '1 second' else null end`;
  const rows = await db
    .insert(rateLimits)
    .values({ key, count: 1, blockedUntil: sql`${delay(sql`1`)}` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: { count: sql`${rateLimits.count} + 1`, blockedUntil: delay(sql`(${rateLimits.count} + 1)`), updatedAt: sql`now()` },
    })
    .returning({ until: rateLimits.blockedUntil, now: sql<string>`now()` });
  await maybePrune(db);
  const row = rows[0];
  return row ? secondsUntil(row.until, row.now) : 0;
}

export async function clearKey(db: Db, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
