/**
 * The connection factory: one code path through `pg` for both engines.
 *
 * - `url` given → that PostgreSQL server.
 * - no `url` → embedded PGlite (Postgres compiled to WASM) with its data directory on disk, served to `pg`
 *   through `@electric-sql/pglite-socket` on a loopback port, through a pool of ONE connection.
 *   The socket server's multiplexer queues each incoming wire message separately and only keeps a client's
 *   messages together inside a transaction; outside one, the Parse/Bind/Execute messages of two clients'
 *   parameterised queries interleave and one client's unnamed statement replaces the other's — we saw
 *   selects answered with another query's rows and inserts returning nothing under 4 concurrent sign-ins.
 *   One connection serialises everything (PGlite executes one statement at a time anyway). Consequence:
 *   code must never await a second pool connection inside a transaction (it would wait forever).
 */
import fs from "node:fs";
import pg from "pg";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { preparedStatementsOn } from "./prepared";
import * as schema from "./schema";

export type DbEngine = "pglite" | "postgres";
export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  engine: DbEngine;
  db: Db;
  pool: pg.Pool;
  /** Connection string `pg` uses (for PGlite: the loopback socket server). */
  url: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL. Omit for the embedded engine. */
  url?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolSize?: number;
  /** Fail a query that cannot get a connection within this many ms (surfaced as 503 by the API). */
  connectionTimeoutMs?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const poolSize = options.poolSize ?? 10;
  if (options.url) {
    const pool = createPool(options.url, poolSize, options.connectionTimeoutMs);
    const db = drizzle(pool, { schema });
    preparedStatementsOn(db, pool);
    return {
      engine: "postgres",
      db,
      pool,
      url: options.url,
      close: () => pool.end(),
    };
  }

  const dataDir = options.dataDir ?? "memory://";
  if (!dataDir.startsWith("memory://")) fs.mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const lite = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({
    db: lite,
    host: "127.0.0.1",
    port: 0,
    // Room for the pool's connection and a few short-lived clients (tests, tools).
    maxConnections: 4,
  });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const pool = createPool(url, 1, options.connectionTimeoutMs ?? 30_000);
  const db = drizzle(pool, { schema });
  Object.defineProperty(db, EMBEDDED, { value: true });
  return {
    engine: "pglite",
    db,
    pool,
    url,
    async close() {
      await pool.end();
      await server.stop();
      await lite.close();
    },
  };
}

/**
 * Marks an embedded database's `db`. A registered symbol on the object, not a module-level set: Next.js bundles
 * its route handlers with their own copy of this module, so a set filled by the server's copy looked empty to
 * the routes (the exports' PGlite page sizing never applied in the server).
 */
const EMBEDDED = Symbol.for("corrective.db.embedded");

/**
 * Whether `db` is embedded PGlite, whose queries execute in this very thread (WASM): long statements stall
 * every other request for their duration, so bulk readers keep them short (server/datasets/sample-pages.ts).
 */
export function isEmbedded(db: Db): boolean {
  return (db as unknown as Record<symbol, unknown>)[EMBEDDED] === true;
}

/**
 * One connection is kept open however long the server is idle (`min: 1`; the others close after pg's 10 s idle
 * timeout): with none kept, every request after a quiet spell — a load balancer's `/api/health` every 15–30 s,
 * the first label of the morning — waited for a new PostgreSQL backend (measured 47–142 ms on the 2-core bench
 * machine under load, against 0.4–1.2 ms on a kept connection).
 */
function createPool(url: string, max: number, connectionTimeoutMillis = 5_000): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, min: 1, connectionTimeoutMillis });
  // An idle client losing its server (restart, network) must not crash the process; the pool replaces it.
  pool.on("error", (err) => {
    console.error(`[db] idle connection error: ${err.message}`);
  });
  return pool;
}
