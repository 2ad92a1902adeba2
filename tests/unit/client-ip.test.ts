import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../server/config";
import { clientAddress, trustedProxyMatcher } from "../../server/limits/client-ip";

describe("client address and TRUSTED_PROXIES", () => {
  it("ignores X-Forwarded-For entirely when no proxy is trusted (the default)", () => {
    expect(parseConfig({}).limits.trustedProxies).toEqual([]);
    const none = trustedProxyMatcher([]);
    expect(clientAddress("127.0.0.1", "203.0.113.9", none)).toBe("127.0.0.1");
    expect(clientAddress("::ffff:10.0.0.5", "203.0.113.9, 10.0.0.1", none)).toBe("10.0.0.5");
  });

  it("believes a trusted proxy's X-Forwarded-For, right to left past trusted hops, never the client-written part", () => {
    const trusted = trustedProxyMatcher(parseConfig({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8, ::1" }).limits.trustedProxies);
    expect(clientAddress("127.0.0.1", "203.0.113.9", trusted)).toBe("203.0.113.9");
    expect(clientAddress("::1", "203.0.113.9", trusted)).toBe("203.0.113.9");
    // A spoofed leftmost entry is the client's own writing: the proxy appended the real peer on the right.
    expect(clientAddress("::ffff:127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3", trusted)).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", ["1.2.3.4", "198.51.100.7"], trusted)).toBe("198.51.100.7");
    // From an untrusted peer the header is ignored.
    expect(clientAddress("198.51.100.8", "10.0.0.1", trusted)).toBe("198.51.100.8");
    // Garbage stops the walk at the last address vouched for; no header → the peer.
    expect(clientAddress("127.0.0.1", "evil, 10.0.0.2", trusted)).toBe("10.0.0.2");
    expect(clientAddress("127.0.0.1", undefined, trusted)).toBe("127.0.0.1");
  });

  it("refuses an entry that is not an address or CIDR, naming it", () => {
    for (const bad of ["localhost", "10.0.0.0/33", "10.0.0.1/8/2", "::1/129"]) {
      expect(() => parseConfig({ TRUSTED_PROXIES: bad })).toThrow(ConfigError);
      expect(() => parseConfig({ TRUSTED_PROXIES: bad })).toThrow(`TRUSTED_PROXIES entry "${bad}"`);
    }
  });

  it("derives the signup policy from demo mode unless SIGNUP is set", () => {
    expect(parseConfig({}).limits.signup).toBe("open");
    expect(parseConfig({ DATABASE_URL: "postgres://x/y", NEXTAUTH_SECRET: "0123456789abcdef0123" }).limits.signup).toBe("invite");
    expect(parseConfig({ SIGNUP: "closed" }).limits.signup).toBe("closed");
    expect(() => parseConfig({ SIGNUP: "maybe" })).toThrow(/^Invalid configuration: SIGNUP /);
  });
});
