import { describe, expect, it } from "vitest";
import { LoginRateLimiter, rateLimitKeys } from "../../server/auth/login-rate-limit";

describe("login rate limiter", () => {
  it("locks a key after maxFailures within the window and releases it when the window passes", () => {
    const limiter = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000 });
    const keys = rateLimitKeys("A@x.io", "1.2.3.4");
    expect(keys).toEqual(["email:a@x.io", "ip:1.2.3.4"]);
    limiter.recordFailure(keys, 0);
    limiter.recordFailure(keys, 1_000);
    expect(limiter.retryAfter(keys, 2_000)).toBe(0);
    limiter.recordFailure(keys, 2_000);
    expect(limiter.retryAfter(keys, 2_000)).toBe(58);
    expect(limiter.retryAfter(["ip:1.2.3.4"], 30_000)).toBe(30);
    expect(limiter.retryAfter(keys, 60_001)).toBe(0);
  });

  it("forgets an account's failures on reset but not the IP's", () => {
    const limiter = new LoginRateLimiter({ maxFailures: 2, windowMs: 60_000 });
    limiter.recordFailure(["email:a", "ip:1"], 0);
    limiter.recordFailure(["email:a", "ip:1"], 0);
    limiter.reset(["email:a"]);
    expect(limiter.retryAfter(["email:a"], 1)).toBe(0);
    expect(limiter.retryAfter(["ip:1"], 1)).toBeGreaterThan(0);
  });
});
