/**
 * The process-wide context (configuration and database), set once by the custom server in `server/main.ts`.
 *
 * Next.js bundles route handlers and server components separately from the code `tsx` loads for the
 * custom server, so module-level singletons would exist twice. The context therefore lives on `globalThis`
 * under a registered symbol, and both copies read the same object.
 */
import type { Database } from "../db/client";
import type { Config } from "./config";

export interface AppContext {
  config: Config;
  database: Database;
  version: string;
  startedAt: Date;
  /** The origins browsers use for this server, fixed once it listens (server/http/same-origin.ts). */
  origins?: string[];
}

const KEY = Symbol.for("corrective.context");
type Holder = { [KEY]?: AppContext };

export function setContext(ctx: AppContext | undefined): void {
  (globalThis as Holder)[KEY] = ctx;
}

export function getContext(): AppContext {
  const ctx = (globalThis as Holder)[KEY];
  if (!ctx) throw new Error("Corrective context is not initialised: start the app with `npm start` (server/main.ts)");
  return ctx;
}
