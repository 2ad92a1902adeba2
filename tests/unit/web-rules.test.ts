/**
 * The rules behind docs/SECURITY.md's "Cross-site requests" and "Methods and not-found answers", as pure
 * functions (the server tests in tests/server/web-hardening.test.ts drive them through the real server).
 */
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../contracts/openapi";
import { parseConfig } from "../../server/config";
import { AppError } from "../../server/errors";
import { pageContentSecurityPolicy } from "../../server/http/content-security-policy";
import { allowedMethods } from "../../server/http/method-guard";
import { checkSameOrigin, originAllowed, requestFacts, trustedOrigins } from "../../server/http/same-origin";

const codeOf = (fn: () => void): string => {
  try {
    fn();
    return "ok";
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

describe("the server's own origins", () => {
  it("is NEXTAUTH_URL's origin alone when it is set, else the loopback names (and HOST) at the listening port", () => {
    expect(trustedOrigins(parseConfig({ DEMO: "1", NEXTAUTH_URL: "https://corrective.example/app" }), 3000)).toEqual(["https://corrective.example"]);
    expect(trustedOrigins(parseConfig({ DEMO: "1", HOST: "0.0.0.0" }), 4321)).toEqual(["http://localhost:4321", "http://127.0.0.1:4321", "http://[::1]:4321"]);
    expect(trustedOrigins(parseConfig({ DEMO: "1", HOST: "10.1.2.3" }), 80)).toContain("http://10.1.2.3");
    expect(trustedOrigins(parseConfig({ DEMO: "1", HOST: "fd00::5" }), 3000)).toContain("http://[fd00::5]:3000");
  });
});

describe("the same-origin rule for cookie writes", () => {
  const ours = ["http://127.0.0.1:3000"];
  const facts = (method: string, headers: Record<string, string>) => requestFacts(method, (h) => headers[h]);
  it("lets reads through and holds writes to Origin, else Sec-Fetch-Site", () => {
    const cases: [string, Record<string, string>, string][] = [
      ["GET", { origin: "http://evil.example" }, "ok"],
      ["HEAD", {}, "ok"],
      ["POST", { origin: "http://127.0.0.1:3000" }, "ok"],
      ["DELETE", { origin: "http://evil.example" }, "FORBIDDEN"],
      ["PATCH", { origin: "http://127.0.0.1:3000.evil.example" }, "FORBIDDEN"],
      ["PUT", { origin: "null" }, "FORBIDDEN"],
      ["POST", { "sec-fetch-site": "same-origin" }, "ok"],
      ["POST", { "sec-fetch-site": "none" }, "ok"],
      ["POST", { "sec-fetch-site": "same-site" }, "FORBIDDEN"],
      ["POST", { "sec-fetch-site": "cross-site" }, "FORBIDDEN"],
      ["POST", {}, "FORBIDDEN"],
      // Origin decides when both are sent.
      ["POST", { origin: "http://evil.example", "sec-fetch-site": "same-origin" }, "FORBIDDEN"],
    ];
    for (const [method, headers, want] of cases) expect(codeOf(() => checkSameOrigin(facts(method, headers), ours)), `${method} ${JSON.stringify(headers)}`).toBe(want);
  });
  it("refuses bodies a page can send without a preflight: form, multipart, plain text, untyped", () => {
    const own = { origin: "http://127.0.0.1:3000", "content-length": "12" };
    for (const [type, want] of [
      ["application/json", "ok"],
      ["application/json; charset=utf-8", "ok"],
      ["application/x-ndjson", "ok"],
      ["image/png", "ok"],
      ["application/x-www-form-urlencoded", "UNSUPPORTED_MEDIA_TYPE"],
      ["multipart/form-data; boundary=x", "UNSUPPORTED_MEDIA_TYPE"],
      ["Text/Plain;charset=UTF-8", "UNSUPPORTED_MEDIA_TYPE"],
      [undefined, "UNSUPPORTED_MEDIA_TYPE"],
    ] as const) {
      const headers: Record<string, string> = type ? { ...own, "content-type": type } : own;
      expect(codeOf(() => checkSameOrigin(facts("POST", headers), ours)), String(type)).toBe(want);
    }
    // No body (claim, heartbeat, release): no type needed; a chunked body counts as one.
    expect(codeOf(() => checkSameOrigin(facts("POST", { origin: ours[0]! }), ours))).toBe("ok");
    expect(codeOf(() => checkSameOrigin(facts("POST", { origin: ours[0]!, "content-length": "0" }), ours))).toBe("ok");
    expect(codeOf(() => checkSameOrigin(facts("POST", { origin: ours[0]!, "transfer-encoding": "chunked" }), ours))).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
  it("socket handshakes: a browser's must be ours; a client that is no browser goes on to the cookie check", () => {
    expect(originAllowed({ origin: "http://127.0.0.1:3000" }, ours)).toBe(true);
    expect(originAllowed({ origin: "http://evil.example" }, ours)).toBe(false);
    expect(originAllowed({ "sec-fetch-site": "cross-site" }, ours)).toBe(false);
    expect(originAllowed({ "sec-fetch-site": "same-origin" }, ours)).toBe(true);
    expect(originAllowed({}, ours)).toBe(true);
  });
});

describe("methods", () => {
  it("every operation of the API is allowed on its own path, HEAD with GET, OPTIONS everywhere", () => {
    for (const op of OPERATIONS) {
      const concrete = op.path.replace(/\{\w+\}/g, "0a1b2c3d-0000-4000-8000-000000000000");
      const allow = allowedMethods(concrete)?.split(", ") ?? [];
      expect(allow, `${op.method} ${op.path}`).toContain(op.method.toUpperCase());
      expect(allow).toContain("OPTIONS");
      if (op.method === "get") expect(allow).toContain("HEAD");
    }
  });
  it("answers for the route Next.js serves a path from, and nothing for paths that are no API route", () => {
    expect(allowedMethods("/api/v1/projects/p/datasets/import")).toBe("OPTIONS, POST");
    expect(allowedMethods("/api/v1/projects/p/datasets/3")).toBe("GET, HEAD, OPTIONS");
    expect(allowedMethods("/api/auth/callback/credentials")).toBe("GET, HEAD, OPTIONS, POST");
    expect(allowedMethods("/api/v1/nothing")).toBeUndefined();
    expect(allowedMethods("/projects")).toBeUndefined();
  });
});

describe("the page Content-Security-Policy", () => {
  it("defaults to self, runs only nonce'd scripts, and loosens nothing for scripts outside development", () => {
    const csp = pageContentSecurityPolicy("abc123", { dev: false });
    expect(csp).toMatch(/^default-src 'self'; /);
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic';");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(pageContentSecurityPolicy("x", { dev: true })).toContain("'unsafe-eval'");
  });
});
