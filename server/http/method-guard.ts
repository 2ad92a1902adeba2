/**
 * Methods, answered by the custom server before Next.js (docs/SECURITY.md, "Methods and not-found answers"):
 *
 * * a method outside GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (TRACE, CONNECT, WebDAV verbs …) → 405 on any
 *   path — Next.js answered TRACE with a 500 and a stack trace;
 * * an API path that exists (contracts/openapi.ts lists every operation; `/api/auth/*` is next-auth's) but not
 *   with this method → 405 with `Allow` naming the methods it takes — Next.js answers a bare 405 without it.
 *
 * A method Node's HTTP parser does not know at all (TRACK) never becomes a request: `answerUnknownMethod`
 * answers the parse error with 405 instead of Node's 400.
 */
import type http from "node:http";
import type { Duplex } from "node:stream";
import { OPERATIONS } from "../../contracts/openapi";
import { API, API_ROOT, templatePattern } from "../../contracts/routes";
import { AppError } from "../errors";
import { errorPayload } from "./respond";

const STANDARD = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** What a path that is no API route (a page, a static file) takes. */
const PAGE_ALLOW = "GET, HEAD, OPTIONS";

interface ApiPath {
  pattern: RegExp;
  allow: string[];
  /** Per segment 0 (static), 1 (parameter), 2 (catch-all): the smallest wins, as in Next.js's routing. */
  rank: string;
}

/** Every API path with the methods it takes (HEAD with GET, and OPTIONS, as Next.js implements them). */
const API_PATHS: ApiPath[] = (() => {
  const byPath = new Map<string, Set<string>>();
  for (const op of OPERATIONS) {
    const set = byPath.get(op.path) ?? new Set<string>();
    set.add(op.method.toUpperCase());
    byPath.set(op.path, set);
  }
  byPath.set(`${API.auth}/{nextauth...}`, new Set(["GET", "POST"]));
  return [...byPath].map(([p, methods]) => {
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS");
    const rank = p.split("/").map((seg) => (seg.endsWith("...}") ? "2" : seg.startsWith("{") ? "1" : "0")).join("");
    return { pattern: templatePattern(p, { trailingSlash: true }), allow: [...methods], rank };
  });
})();

/**
 * The `Allow` of an API path, or undefined when no API route has this path. Of several routes that match
 * (`datasets/import` and `datasets/{version}`), the one Next.js serves it from: static segments first.
 */
export function allowedMethods(pathname: string): string | undefined {
  const route = API_PATHS.filter((r) => r.pattern.test(pathname)).sort((a, b) => a.rank.localeCompare(b.rank))[0];
  return route ? [...route.allow].sort().join(", ") : undefined;
}

/** Answers 405 (and returns true) for a method the path does not take; false leaves the request to the server. */
export function refuseMethod(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): boolean {
  const method = (req.method ?? "").toUpperCase();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  const allow = pathname.startsWith(API_ROOT) ? allowedMethods(pathname) : undefined;
  if (STANDARD.has(method) && (allow === undefined || allow.split(", ").includes(method))) return false;
  const { status, body } = errorPayload(new AppError("METHOD_NOT_ALLOWED", `${method || "This method"} is not allowed here`));
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, allow: allow ?? PAGE_ALLOW, "cache-control": "no-store", "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  // No body for HEAD; TRACE must not echo the request.
  res.end(method === "HEAD" ? undefined : text);
  req.resume();
  return true;
}

/**
 * Node's `clientError` (a request its parser refused): a method it does not know (TRACK, made-up verbs) is
 * 405, the rest what Node answers by default (431, 408, 400), then the connection is closed.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex, headers: Record<string, string>): void {
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const unknownMethod = err.code === "HPE_INVALID_METHOD";
  const status = unknownMethod
    ? "405 Method Not Allowed"
    : err.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  const body = unknownMethod ? JSON.stringify(errorPayload(new AppError("METHOD_NOT_ALLOWED", "This method is not allowed here")).body) : "";
  const extra = unknownMethod ? { ...headers, allow: allowOfRawRequest((err as { rawPacket?: Buffer }).rawPacket), "content-type": "application/json" } : {};
  const lines = Object.entries({ ...extra, connection: "close", "content-length": String(Buffer.byteLength(body)) }).map(([k, v]) => `${k}: ${v}`);
  socket.end(`HTTP/1.1 ${status}\r\n${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** The `Allow` for the path in a request line the parser refused (`FOO /api/v1/projects HTTP/1.1`). */
function allowOfRawRequest(raw: Buffer | undefined): string {
  const line = raw?.subarray(0, 8192).toString("latin1").split("\r\n", 1)[0] ?? "";
  const target = line.split(" ")[1] ?? "/";
  const q = target.indexOf("?");
  const pathname = q < 0 ? target : target.slice(0, q);
  return (pathname.startsWith(API_ROOT) ? allowedMethods(pathname) : undefined) ?? PAGE_ALLOW;
}
