/**
 * Where the app may send a browser after sign-in (a `callbackUrl` query parameter, next-auth's `redirect`
 * callback): only a path on this site. Browser-safe — the sign-in form and the server share it.
 *
 * Decided by URL parsing, not prefix checks: `/\evil.example` and `/\t/evil.example` look like paths but a
 * browser reads them as `//evil.example` (backslashes become slashes; tabs and newlines are dropped). So:
 * anything with a backslash, a control character or whitespace is refused outright; what is left must parse,
 * against a placeholder origin, to that same origin — and the path it yields must not itself start with `//`.
 */
const PLACEHOLDER = "http://same-origin.invalid";

/** `raw` as a same-site path (`/projects?x=1#y`), or `fallback` when it is anything else. */
export function sameSitePath(raw: string | null | undefined, fallback: string): string {
  return parseSameSite(raw) ?? fallback;
}

function parseSameSite(raw: string | null | undefined): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  if (/[\\\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, PLACEHOLDER);
  } catch {
    return null;
  }
  if (url.origin !== PLACEHOLDER) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : null;
}

/**
 * For next-auth's `redirect` callback, which also gets absolute URLs: one on `baseUrl`'s origin becomes its
 * path; a path is checked as above; anything else goes to `fallback`. Returns an absolute URL on `baseUrl`.
 */
export function sameOriginUrl(raw: string, baseUrl: string, fallback: string): string {
  const base = new URL(baseUrl);
  let candidate: string | null = raw;
  if (!raw.startsWith("/")) {
    try {
      const abs = new URL(raw);
      candidate = abs.origin === base.origin ? `${abs.pathname}${abs.search}${abs.hash}` : null;
    } catch {
      candidate = null;
    }
  }
  return new URL(sameSitePath(candidate, fallback), base.origin).toString();
}
