/** Open-redirect payloads against the one validator the sign-in form and next-auth's redirect callback share. */
import { describe, expect, it } from "vitest";
import { sameOriginUrl, sameSitePath } from "../../contracts/redirects";

const FALLBACK = "/projects";
const BASE = "http://localhost:3000";

/** What a browser would do with the result as a Location / router target, resolved against the site. */
const landsOn = (target: string) => new URL(target, `${BASE}/signin`).origin;

const HOSTILE = [
  "//evil.example",
  "//evil.example/phish",
  "///evil.example",
  "////evil.example",
  "/\\evil.example/phish",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "/%5Cevil.example", // stays a path segment: allowed only if it resolves on-site (checked below)
  "https://evil.example",
  "http://evil.example/projects",
  "HTTPS://evil.example",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/\tevil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  " //evil.example",
  "\t//evil.example",
  "/ /evil.example",
  "/\u3000/evil.example",
  "/\u00a0/evil.example",
  "/\u0000/evil.example",
  "evil.example",
  "@evil.example",
  "/@evil.example", // a path on this site
  "http:evil.example",
  "https:/evil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/./\\evil.example",
  "",
  "/" + "a".repeat(5000),
];

describe("same-site redirect targets", () => {
  it.each(HOSTILE)("%j never leaves the site", (payload) => {
    const out = sameSitePath(payload, FALLBACK);
    expect(out.startsWith("/")).toBe(true);
    expect(out.startsWith("//")).toBe(false);
    expect(out).not.toMatch(/[\\\s]/);
    expect(landsOn(out)).toBe(BASE);
    expect(landsOn(sameOriginUrl(payload, BASE, FALLBACK))).toBe(BASE);
  });

  it("refuses the issue's payload (decoded from ?callbackUrl=%2F%5Cevil.example%2Fphish) and the classic tricks", () => {
    const decoded = new URLSearchParams("callbackUrl=%2F%5Cevil.example%2Fphish").get("callbackUrl");
    expect(decoded).toBe("/\\evil.example/phish");
    for (const p of [decoded, "//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "/\t/evil.example", "/.//evil.example"]) {
      expect(sameSitePath(p, FALLBACK)).toBe(FALLBACK);
    }
  });

  it("keeps ordinary paths on the site intact, with query and fragment", () => {
    for (const p of ["/projects", "/projects/0b7c6a9e-2f4d-4e55-9a57-8f2a8a7f1f10/label?mode=ride", "/account#tokens", "/", "/a/b/../c"]) {
      expect(sameSitePath(p, FALLBACK)).toBe(new URL(p, BASE).pathname + new URL(p, BASE).search + new URL(p, BASE).hash);
    }
    expect(sameSitePath(null, FALLBACK)).toBe(FALLBACK);
    expect(sameSitePath(undefined, FALLBACK)).toBe(FALLBACK);
  });

  it("next-auth's callback: absolute URLs on the site's origin become paths there; other origins fall back", () => {
    expect(sameOriginUrl(`${BASE}/projects/x?y=1`, BASE, FALLBACK)).toBe(`${BASE}/projects/x?y=1`);
    expect(sameOriginUrl("http://localhost:3001/projects", BASE, FALLBACK)).toBe(`${BASE}${FALLBACK}`);
    expect(sameOriginUrl("https://localhost:3000/projects", BASE, FALLBACK)).toBe(`${BASE}${FALLBACK}`);
    expect(sameOriginUrl("http://localhost:3000@evil.example/", BASE, FALLBACK)).toBe(`${BASE}${FALLBACK}`);
    expect(sameOriginUrl("/signin", BASE, FALLBACK)).toBe(`${BASE}/signin`);
  });
});
