/**
 * `isEmbedded` must answer for a `db` opened by another copy of db/client.ts: Next.js bundles the route
 * handlers with their own copy of the module, so the server's PGlite `db` reaches the exports through it.
 * (A module-level set answered false there, and the exports' PGlite page sizing never applied in the server.)
 */
import { afterAll, expect, it, vi } from "vitest";
import * as serverCopy from "../../db/client";

const opened: Array<{ close: () => Promise<void> }> = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

it("a PGlite db is embedded to every copy of db/client, a PostgreSQL one to none", async () => {
  vi.resetModules();
  const routeCopy = (await import("../../db/client")) as typeof serverCopy;
  expect(routeCopy).not.toBe(serverCopy);
  const lite = await serverCopy.openDatabase({ dataDir: "memory://" });
  opened.push(lite);
  expect(serverCopy.isEmbedded(lite.db)).toBe(true);
  expect(routeCopy.isEmbedded(lite.db)).toBe(true);
  const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const pg = await routeCopy.openDatabase({ url, poolSize: 1 });
  opened.push(pg);
  expect(serverCopy.isEmbedded(pg.db)).toBe(false);
  expect(routeCopy.isEmbedded(pg.db)).toBe(false);
});
