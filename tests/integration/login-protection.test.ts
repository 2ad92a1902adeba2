import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { signUp } from "../../server/auth/sign-up";
import { verifyCredentials } from "../../server/auth/verify-credentials";
import { AppError } from "../../server/errors";
import { describeEngines } from "../helpers/engines";
import { uniqueEmail } from "../helpers/fixtures";

const rateLimited = (err: unknown) => {
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe("RATE_LIMITED");
  const wait = (err as AppError).details?.retryAfterSeconds ?? 0;
  expect(wait).toBeGreaterThan(0);
  return wait;
};
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000 + 150));
const randomIp = (prefix: string) => `${prefix}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describeEngines("login protection", (h) => {
  it("five wrong passwords from one address back off the account briefly, then the right password works from another address", async () => {
    const email = uniqueEmail("owner");
    await signUp(h.database.db, { name: "Owner", email, password: "right password" });
    const attacker = randomIp("10.1");
    for (let i = 0; i < 5; i++) {
      const r = await verifyCredentials(h.database.db, { email, password: `wrong ${i}` }, attacker).catch((e: unknown) => e);
      // The fifth may already be refused by the back-off the fourth started: then nothing is checked.
      if (r !== null) rateLimited(r);
    }
    // During the back-off even the right password is refused unchecked, with a short Retry-After …
    const wait = rateLimited(await verifyCredentials(h.database.db, { email, password: "right password" }, randomIp("10.9")).catch((e: unknown) => e));
    expect(wait).toBeLessThanOrEqual(60);
    // … and once it has passed, the owner signs in from their own address: no lock a stranger can impose.
    await sleep(wait);
    expect((await verifyCredentials(h.database.db, { email, password: "right password" }, randomIp("10.9")))?.email).toBe(email);
    // Success cleared the count: one more typo does not start a wait.
    expect(await verifyCredentials(h.database.db, { email, password: "typo" }, randomIp("10.9"))).toBeNull();
    expect((await verifyCredentials(h.database.db, { email, password: "right password" }, randomIp("10.9")))?.email).toBe(email);
  });

  it("limits failures per address across accounts (429 with Retry-After) without touching other addresses", async () => {
    const limits = { loginFailuresPerAddress: 4 };
    const sprayer = randomIp("10.2");
    for (let i = 0; i < 4; i++) expect(await verifyCredentials(h.database.db, { email: uniqueEmail("spray"), password: "guess" }, sprayer, limits)).toBeNull();
    const email = uniqueEmail("victim");
    await signUp(h.database.db, { name: "Victim", email, password: "right password" });
    const wait = rateLimited(await verifyCredentials(h.database.db, { email, password: "right password" }, sprayer, limits).catch((e: unknown) => e));
    expect(wait).toBeGreaterThan(14 * 60);
    expect((await verifyCredentials(h.database.db, { email, password: "right password" }, randomIp("10.3"), limits))?.email).toBe(email);
  });

  it("keeps the counters in the database: another process (or a restart) sees the back-off", async () => {
    const email = uniqueEmail("shared");
    await signUp(h.database.db, { name: "Shared", email, password: "right password" });
    if (h.engine !== "postgres") return; // PGlite in memory cannot be reopened; see the on-disk case below
    // Four failures here (the fourth starts a 1 s wait) …
    for (let i = 0; i < 4; i++) expect(await verifyCredentials(h.database.db, { email, password: `wrong ${i}` }, randomIp("10.4"))).toBeNull();
    await sleep(1);
    // … a fifth in another process continues the same count (a fresh one would start no wait) …
    const other = await openDatabase({ url: h.database.url, poolSize: 1 });
    try {
      expect(await verifyCredentials(other.db, { email, password: "wrong 4" }, randomIp("10.5"))).toBeNull();
    } finally {
      await other.close();
    }
    // … so the first process now makes even the right password wait.
    rateLimited(await verifyCredentials(h.database.db, { email, password: "right password" }, randomIp("10.5")).catch((e: unknown) => e));
  });
});

describe("login protection across a restart of the embedded database", () => {
  it("a back-off started before the restart still holds after it", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-login-"));
    const email = uniqueEmail("restart");
    try {
      const first = await openDatabase({ dataDir, poolSize: 1 });
      await migrateDatabase(first.db);
      await signUp(first.db, { name: "Restart", email, password: "right password" });
      for (let i = 0; i < 4; i++) expect(await verifyCredentials(first.db, { email, password: `wrong ${i}` }, "10.6.0.1")).toBeNull();
      await first.close();
      await sleep(1);
      const second = await openDatabase({ dataDir, poolSize: 1 });
      try {
        // The fifth failure continues the count kept on disk (fresh in-memory counters would start no wait) …
        expect(await verifyCredentials(second.db, { email, password: "wrong 4" }, "10.6.0.2")).toBeNull();
        // … so even the right password must now wait.
        rateLimited(await verifyCredentials(second.db, { email, password: "right password" }, "10.6.0.2").catch((e: unknown) => e));
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
