/**
 * Route-handler plumbing for `/api/v1`: resolves the caller (bearer token or session), holds a session caller's
 * writes to the same-origin rule (same-origin.ts), passes the database and the awaited path params, and maps
 * anything thrown through `errorResponse`. Handlers stay a few lines.
 */
import type { Db } from "../../db/client";
import { requireCaller } from "../auth/caller";
import type { Caller } from "../auth/caller";
import { getContext } from "../context";
import type { HotHandler } from "./labelling-routes";
import { readJson, route } from "./respond";
import { checkSameOrigin, originsOf, requestFacts } from "./same-origin";

type Params = Record<string, string>;
export interface ApiArgs<P extends Params> {
  req: Request;
  db: Db;
  caller: Caller;
  params: P;
}

export function apiRoute<P extends Params = Params>(fn: (args: ApiArgs<P>) => Promise<Response>) {
  return route(async (req: Request, ctx: { params: Promise<P> }) => {
    const app = getContext();
    const db = app.database.db;
    const caller = await requireCaller(db, req);
    if (!req.headers.get("authorization")) checkSameOrigin(requestFacts(req.method, (h) => req.headers.get(h)), originsOf(app));
    return fn({ req, db, caller, params: ((await ctx?.params) ?? {}) as P });
  });
}

export const json = (data: unknown, status = 200) => Response.json({ data }, { status });

/** Parses a non-negative integer path segment (a round index, a dataset version); anything else is 404. */
export function intParam(value: string | undefined): number {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : -1;
}

/** A route file for one of the labelling hot-path handlers (also served by the custom server's fast path). */
export function hotApiRoute<P extends Params = Params>(handler: HotHandler) {
  return apiRoute<P>(async ({ req, db, caller, params }) => {
    const { status, data, headers } = await handler({ db, caller, params, body: await readJson(req) });
    return data === undefined ? new Response(null, { status, headers }) : Response.json({ data }, { status, headers });
  });
}
