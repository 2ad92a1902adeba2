/**
 * The same-origin rule for browser (cookie) callers — docs/SECURITY.md, "Cross-site requests".
 *
 * A cookie rides along with any request the browser makes to this server, including a form another site
 * posts or a `fetch(…, { mode: "no-cors" })` it fires. Such requests can change state even though their
 * answer cannot be read. So a cookie-authenticated unsafe request (POST, PUT, PATCH, DELETE) must:
 *
 * 1. come from one of the server's own origins: `Origin` must equal one of them; a browser that sends no
 *    `Origin` must say `Sec-Fetch-Site: same-origin` (or `none`, typed by the user). A request with neither
 *    header is not from a browser we can vouch for and is refused: scripts and robots use bearer tokens.
 * 2. name a content type a cross-site page cannot send without a CORS preflight (which this server never
 *    grants): a body typed `application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`, or not
 *    typed at all, is refused with 415. JSON routes take `application/json`, uploads their own type.
 *
 * The server's own origins come from configuration (`NEXTAUTH_URL`), never from the request's `Host` or
 * `X-Forwarded-Host`; without `NEXTAUTH_URL` they are the loopback origins (and `HOST`, when it names one
 * address) at the listening port. Bearer-token calls are not affected: a browser never attaches a token
 * on its own. Socket.io handshakes are checked with `originAllowed` (http/attach-realtime.ts).
 */
import type { Config } from "../config";
import type { AppContext } from "../context";
import { AppError } from "../errors";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** The request content types a cross-site form or no-cors fetch can send without a preflight. */
const SIMPLE_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/** The origins this server answers browsers on (`scheme://host[:port]`, as browsers write `Origin`). */
export function trustedOrigins(config: Pick<Config, "authUrl" | "authUrlConfigured" | "host">, port: number): string[] {
  if (config.authUrlConfigured) return [new URL(config.authUrl).origin];
  const hosts = new Set(["localhost", "127.0.0.1", "[::1]"]);
  if (config.host !== "0.0.0.0" && config.host !== "::") hosts.add(config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host);
  return [...hosts].map((h) => new URL(`http://${h}:${port}`).origin);
}

export interface RequestFacts {
  method: string;
  origin: string | null | undefined;
  secFetchSite: string | null | undefined;
  contentType: string | null | undefined;
  /** The request declares a body (a non-zero `Content-Length`, or `Transfer-Encoding`). */
  hasBody: boolean;
}

/** Throws FORBIDDEN (foreign origin) or UNSUPPORTED_MEDIA_TYPE for a cookie-authenticated unsafe request that breaks the rule. */
export function checkSameOrigin(req: RequestFacts, origins: readonly string[]): void {
  if (!UNSAFE.has(req.method.toUpperCase())) return;
  if (!fromOwnSite(req, origins)) {
    throw new AppError("FORBIDDEN", "Cross-site request refused: a signed-in browser may only write from this site's own pages (scripts: use Authorization: Bearer <token>)");
  }
  if (req.hasBody) {
    const type = (req.contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (type === "" || SIMPLE_TYPES.has(type)) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body with Content-Type: application/json (form and plain-text bodies are refused)");
    }
  }
}

/** `Origin` is one of ours; without it, `Sec-Fetch-Site` says the request came from our own pages (or the user). */
function fromOwnSite(req: Pick<RequestFacts, "origin" | "secFetchSite">, origins: readonly string[]): boolean {
  if (req.origin) return origins.includes(req.origin);
  const site = req.secFetchSite?.toLowerCase();
  return site === "same-origin" || site === "none";
}

/**
 * Socket.io handshakes (every engine.io request: polling and the websocket upgrade). Browsers send `Origin`
 * on websocket upgrades and cross-origin polling, and `Sec-Fetch-Site` on every request; either must say
 * "ours". A handshake with neither is not a browser's (the Node client, robots), so no cookie of a victim
 * can be riding on it, and it is let through to the cookie check.
 */
export function originAllowed(headers: { origin?: string | string[]; "sec-fetch-site"?: string | string[] }, origins: readonly string[]): boolean {
  const origin = first(headers.origin);
  const site = first(headers["sec-fetch-site"]);
  if (!origin && !site) return true;
  return fromOwnSite({ origin, secFetchSite: site }, origins);
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** What the rule looks at, read through a header getter (web `Request` headers or Node's). */
export function requestFacts(method: string, header: (name: string) => string | null | undefined): RequestFacts {
  const length = Number(header("content-length") ?? "0");
  return {
    method,
    origin: header("origin"),
    secFetchSite: header("sec-fetch-site"),
    contentType: header("content-type"),
    hasBody: Boolean(header("transfer-encoding")) || !Number.isFinite(length) || length > 0,
  };
}

/** The context's origins (set by server/main.ts once the port is known), else those of the configured port. */
export const originsOf = (ctx: AppContext): string[] => ctx.origins ?? trustedOrigins(ctx.config, ctx.config.port);
