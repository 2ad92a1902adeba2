/**
 * Runs one integration suite on both engines: embedded PGlite and real PostgreSQL.
 *
 * PostgreSQL comes from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); each suite gets
 * a database of its own, created for it and dropped afterwards, so parallel runs never collide. If Postgres
 * is unreachable the Postgres cases are skipped with a loud warning — except under CI=true, where they fail.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { openDatabase, type Database, type DbEngine } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } catch (err) {
      if (process.env.CI === "true") throw new Error(`PostgreSQL is required under CI but unreachable at ${TEST_DATABASE_URL}: ${String(err)}`);
      console.warn(`\n\n!!! PostgreSQL unreachable at ${TEST_DATABASE_URL} — SKIPPING the Postgres half of the integration suite !!!\n\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/** Creates a fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createScratchPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `corrective_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface EngineHandle {
  engine: DbEngine;
  /** The migrated database of the current suite; valid inside tests and hooks. */
  readonly database: Database;
}

export const ENGINES: DbEngine[] = ["pglite", "postgres"];

/** `describe` once per engine with a freshly migrated database shared by that engine's tests. */
export const POSTGRES_OK = await postgresReachable();

export function describeEngines(name: string, body: (h: EngineHandle) => void): void {
  for (const engine of ENGINES) {
    describe.skipIf(engine === "postgres" && !POSTGRES_OK)(`${name} [${engine}]`, () => {
      let database: Database | undefined;
      let drop: (() => Promise<void>) | undefined;
      const handle: EngineHandle = {
        engine,
        get database() {
          if (!database) throw new Error(`${engine} database not open`);
          return database;
        },
      };
      beforeAll(async () => {
        if (engine === "postgres") {
          const scratch = await createScratchPostgres();
          drop = scratch.drop;
          database = await openDatabase({ url: scratch.url, poolSize: 5 });
        } else {
          database = await openDatabase({ dataDir: "memory://", poolSize: 5 });
        }
        await migrateDatabase(database.db);
      });
      afterAll(async () => {
        await database?.close();
        await drop?.();
      });
      body(handle);
    });
  }
}
