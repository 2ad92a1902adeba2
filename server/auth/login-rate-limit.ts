/**
 * Repeated failed sign-ins are limited per account and per client IP: after `maxFailures` failures within
 * `windowMs`, further attempts for that key are refused until the window passes. In-process memory, shared
 * through `globalThis` by the custom server and the Next.js bundle (one web process; see docs).
 */
export interface RateLimitOptions {
  maxFailures: number;
  windowMs: number;
}

export class LoginRateLimiter {
  private failures = new Map<string, number[]>();

  constructor(private readonly opts: RateLimitOptions = { maxFailures: 5, windowMs: 15 * 60_000 }) {}

  /** Seconds until `keys` may try again, or 0 if none of them is locked. */
  retryAfter(keys: string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.opts.maxFailures) {
        const oldest = recent[recent.length - this.opts.maxFailures] ?? now;
        wait = Math.max(wait, Math.ceil((oldest + this.opts.windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(keys: string[], now = Date.now()): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
  }

  reset(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.opts.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }
}

const KEY = Symbol.for("corrective.loginRateLimiter");
export function loginRateLimiter(): LoginRateLimiter {
  const g = globalThis as { [KEY]?: LoginRateLimiter };
  return (g[KEY] ??= new LoginRateLimiter());
}

export const rateLimitKeys = (email: string, ip: string | undefined) =>
  [`email:${email.toLowerCase()}`, ...(ip ? [`ip:${ip}`] : [])];
