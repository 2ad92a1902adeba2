/**
 * The labelling hot path served by the custom server itself, before Next.js: claim the next task (or a batch),
 * submit a label (or a batch), renew a lease. Next.js's route-handler machinery (web Request/Response streams,
 * manifest loading, tracing) cost more CPU per request than the whole database work of a label
 * (docs/ARCHITECTURE.md, "Fast path"), and these routes are what every labeller calls several times a minute. Everything else is
 * Next's. The handlers are the same ones the route files call (server/http/labelling-routes.ts), behind the
 * same caller rule, same-origin rule, body limit, error mapping and security headers.
 */
import type http from "node:http";
import { API, API_ROOT, routePattern } from "../../contracts/routes";
import type { AppContext } from "../context";
import { TASK_NOT_FOUND } from "../auth/authorize-project";
import { requireCallerFromHeaders } from "../auth/caller";
import { AppError } from "../errors";
import { BENCH_METRICS_PATH, benchMetricsEnabled, benchProfile, benchSnapshot, recordRoute, startBenchMetrics } from "./bench-metrics";
import { claimNextRoute, claimTasksRoute, heartbeatRoute, submitLabelRoute, submitLabelsRoute, type HotHandler } from "./labelling-routes";
import { MAX_FRAME_BATCH_BYTES } from "../rollouts/frames";
import { errorPayload, MAX_IMPORT_BYTES, MAX_JSON_BYTES, MAX_ROLLOUT_JSON_BYTES, parseJsonBody, tooLarge } from "./respond";
import { checkSameOrigin, originsOf, requestFacts } from "./same-origin";
import SECURITY_HEADERS from "./security-headers.json";

interface FastRoute {
  /** The route's name in bench metrics. */
  name: string;
  /** Anchored, from the route's `API` entry (contracts/routes.ts `routePattern`). */
  pattern: RegExp;
  /** The path parameter the pattern's one group captures (none for a path without parameters). */
  param?: string;
  handler: HotHandler;
}

/** A fast route of an `API` entry with at most one parameter (`routePattern(API.nextTask, "projectId")`). */
function fastRoute(name: string, handler: HotHandler, route: { pattern: RegExp; params: readonly string[] }): FastRoute {
  const [param] = route.params;
  return { name, pattern: route.pattern, ...(param === undefined ? {} : { param }), handler };
}

/** Exported for tests/unit/route-patterns.test.ts. */
export const ROUTES: readonly FastRoute[] = [
  fastRoute("claim", claimNextRoute, routePattern(API.nextTask, "projectId")),
  fastRoute("label", submitLabelRoute, routePattern(API.taskLabels, "taskId")),
  fastRoute("heartbeat", heartbeatRoute, routePattern(API.taskHeartbeat, "taskId")),
  fastRoute("claimBatch", claimTasksRoute, routePattern(API.claimTasks, "projectId")),
  fastRoute("labelBatch", submitLabelsRoute, routePattern(API.labels)),
];

/** The headers every answer of the custom server itself carries (Next's get the same from next.config.mjs). */
export const BASE_HEADERS: Record<string, string> = {
  ...Object.fromEntries(SECURITY_HEADERS.headers.map((h) => [h.key, h.value])),
  "Content-Security-Policy": SECURITY_HEADERS.apiContentSecurityPolicy,
};

/**
 * Body limits of the routes Next.js serves, by path (the route files enforce them while reading, for bodies
 * without a length). A declared length over the limit is refused here, before any handler runs.
 */
export const BODY_LIMITS: readonly [RegExp, number][] = [
  [routePattern(API.frames, "projectId").pattern, MAX_FRAME_BATCH_BYTES],
  [routePattern(API.datasetImport, "projectId").pattern, MAX_IMPORT_BYTES],
  [routePattern(API.rollouts, "projectId").pattern, MAX_ROLLOUT_JSON_BYTES],
  [routePattern(API.demonstrations, "projectId").pattern, MAX_ROLLOUT_JSON_BYTES],
];

/** The limit of a body sent to `pathname`: its route's, or the general JSON one for any other API path. */
export function bodyLimitOf(pathname: string): number | undefined {
  return BODY_LIMITS.find(([re]) => re.test(pathname))?.[1] ?? (pathname.startsWith(API_ROOT) ? MAX_JSON_BYTES : undefined);
}

/** Answers the request and returns true when it is one of the fast routes, or a body declared over its route's limit; false leaves it to Next.js. */
export function serveFastPath(req: http.IncomingMessage, res: http.ServerResponse, ctx: AppContext): boolean {
  if (bench && req.method === "GET" && req.url?.startsWith(BENCH_METRICS_PATH)) {
    const url = new URL(req.url, "http://bench");
    ensureBenchMetrics(ctx);
    const profile = url.searchParams.get("profile");
    if (profile !== null) {
      void benchProfile(profile === "start" ? null : profile).then((body) => send(req, res, { status: 200, headers: {}, body }));
      return true;
    }
    void send(req, res, { status: 200, headers: {}, body: benchSnapshot(url.searchParams.get("reset") === "1") });
    return true;
  }
  if (!req.url || (req.method !== "POST" && req.method !== "PUT" && req.method !== "PATCH")) return false;
  const q = req.url.indexOf("?");
  const pathname = q < 0 ? req.url : req.url.slice(0, q);
  const declared = Number(req.headers["content-length"] ?? "NaN");
  const limit = Number.isFinite(declared) ? bodyLimitOf(pathname) : undefined;
  if (limit !== undefined && declared > limit) {
    void send(req, res, errorPayload(tooLarge(limit)));
    return true;
  }
  if (req.method !== "POST") return false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    void answer(req, res, ctx, r, m[1] ?? "");
    return true;
  }
  return false;
}

/** Bench metrics (bench-metrics.ts): only with CORRECTIVE_BENCH_METRICS=1. */
const bench = benchMetricsEnabled();
let benchStarted = false;
/** The samplers start with the first fast-path answer or the first metrics request, whichever comes first. */
function ensureBenchMetrics(ctx: AppContext): void {
  if (benchStarted) return;
  benchStarted = true;
  startBenchMetrics(ctx.database.pool);
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, ctx: AppContext, r: FastRoute, raw: string): Promise<void> {
  const t0 = bench ? performance.now() : 0;
  let authMs = 0;
  if (bench) ensureBenchMetrics(ctx);
  let reply: Reply;
  try {
    let param: string;
    try {
      param = decodeURIComponent(raw);
    } catch {
      throw new AppError("NOT_FOUND", r.param === "taskId" ? TASK_NOT_FOUND : "Project not found");
    }
    const db = ctx.database.db;
    const authorization = header(req, "authorization");
    const caller = await requireCallerFromHeaders(db, authorization, header(req, "cookie"), ctx.config.authSecret);
    if (bench) authMs = performance.now() - t0;
    if (!authorization) {
      checkSameOrigin(requestFacts(req.method ?? "", (h) => header(req, h)), originsOf(ctx));
    }
    const parsed = await readJsonBody(req, MAX_JSON_BYTES);
    const out = await r.handler({ db, caller, params: r.param ? { [r.param]: param } : {}, body: parsed });
    reply = { status: out.status, headers: out.headers ?? {}, body: out.data === undefined ? undefined : { data: out.data } };
  } catch (err) {
    reply = errorPayload(err);
  }
  if (bench) {
    const total = performance.now() - t0;
    recordRoute(r.name, total, authMs);
    reply.headers["server-timing"] = `auth;dur=${authMs.toFixed(2)}, handler;dur=${(total - authMs).toFixed(2)}, total;dur=${total.toFixed(2)}`;
  }
  await send(req, res, reply);
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

async function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): Promise<void> {
  const body = reply.body === undefined ? undefined : JSON.stringify(reply.body);
  // Answer once the body is in: a refused body (413, 401 before reading it) is read to its end and dropped,
  // not stored, so the client is not cut off mid-upload and the connection stays usable.
  if (!(await drainRequest(req))) return;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, {
    ...BASE_HEADERS,
    ...reply.headers,
    "cache-control": "no-store",
    ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}),
  });
  res.end(body);
}

/** The most a refused body is read and dropped before the connection is cut instead. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/** Reads the rest of a request body and drops it; false (and the connection cut) past the caps. */
export function drainRequest(req: http.IncomingMessage): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const timer = setTimeout(() => cut(), DRAIN_MAX_MS);
    const cut = () => {
      clearTimeout(timer);
      req.socket.destroy();
      resolve(false);
    };
    req.removeAllListeners("data");
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size > DRAIN_MAX_BYTES) cut();
    });
    req.once("end", () => {
      clearTimeout(timer);
      resolve(true);
    });
    req.once("error", () => cut());
    req.resume();
  });
}

const header = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The body as JSON (undefined when empty), refusing (413) anything over `maxBytes` as it streams in; a body
 * declared over the limit never gets here (`serveFastPath` refuses it first).
 */
function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.byteLength;
      if (size > maxBytes) {
        cleanup();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      try {
        resolve(parseJsonBody(Buffer.concat(chunks).toString("utf8")));
      } catch (err) {
        reject(err);
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
