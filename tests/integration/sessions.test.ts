/**
 * Revocable sessions (issue 14): the session epoch and admin flag are read from the database on every use
 * (through a short cache), and bumped by sign-out-everywhere, password change and admin demotion.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { auditLog, users } from "../../db/schema";
import { requireCallerFromHeaders } from "../../server/auth/caller";
import { changePassword } from "../../server/auth/change-password";
import { checkSession, SESSION_CACHE_MAX, SESSION_CHECK_TTL_MS, sessionCacheSize, sessionRows } from "../../server/auth/check-session";
import { signOutEverywhere } from "../../server/auth/revoke-sessions";
import { setSiteAdmin } from "../../server/auth/set-site-admin";
import { verifyCredentials } from "../../server/auth/verify-credentials";
import { AppError } from "../../server/errors";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";
import { mintSessionCookie, OLD_DEMO_SECRET } from "../helpers/session-cookie";

const SECRET = "sessions-test-secret-0123456789abcdef";
const now = () => Math.floor(Date.now() / 1000);
const claims = (sub: string, epoch = 0) => ({ sub, epoch, authTime: now() });
const epochOf = async (db: Parameters<typeof checkSession>[0], id: string) => (await db.select({ e: users.sessionEpoch }).from(users).where(eq(users.id, id)))[0]?.e;

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

describeEngines("revocable sessions", (h) => {
  it("a session is good while its epoch matches; name and admin flag come from the database, not the cookie", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Eve");
    expect(await checkSession(db, claims(user.id))).toEqual({ id: user.id, email: user.email, name: "Eve", isAdmin: false });
    expect(await checkSession(db, claims(user.id, 1))).toBeNull();
    // A cookie claiming admin (or another name) changes nothing.
    const cookie = await mintSessionCookie({ ...user, name: "Mallory" }, SECRET, { isAdmin: true });
    expect(await requireCallerFromHeaders(db, undefined, cookie, SECRET)).toEqual({ id: user.id, email: user.email, name: "Eve", isAdmin: false });
  });

  it("a well-signed session for a user that does not exist is UNAUTHENTICATED, not a server error", async () => {
    const db = h.database.db;
    const ghost = { id: randomUUID(), email: "ghost@example.test", name: "Ghost" };
    expect(await checkSession(db, claims(ghost.id))).toBeNull();
    const err = await requireCallerFromHeaders(db, undefined, await mintSessionCookie(ghost, SECRET), SECRET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("a cookie signed with the old constant demo secret is refused", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Forged");
    await db.update(users).set({ isAdmin: true }).where(eq(users.id, user.id));
    const forged = await mintSessionCookie(user, OLD_DEMO_SECRET, { isAdmin: true });
    await expect(requireCallerFromHeaders(db, undefined, forged, SECRET)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(requireCallerFromHeaders(db, undefined, await mintSessionCookie(user, SECRET), SECRET)).resolves.toMatchObject({ isAdmin: true });
  });

  it("sign out everywhere ends every session at once in this process, with an audit entry", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Frank");
    const cookie = await mintSessionCookie(user, SECRET);
    expect((await requireCallerFromHeaders(db, undefined, cookie, SECRET)).id).toBe(user.id);
    await signOutEverywhere(db, user.id);
    await expect(requireCallerFromHeaders(db, undefined, cookie, SECRET)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await epochOf(db, user.id)).toBe(1);
    expect((await requireCallerFromHeaders(db, undefined, await mintSessionCookie(user, SECRET, { epoch: 1 }), SECRET)).id).toBe(user.id);
    const audit = await db.select().from(auditLog).where(eq(auditLog.targetId, user.id));
    expect(audit.filter((a) => a.action === "user.sessions_revoked").map((a) => a.data)).toEqual([{ reason: "sign_out_everywhere" }]);
  });

  it("a change made elsewhere (another process, the database) applies within the cache window", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Grace");
    await db.update(users).set({ isAdmin: true }).where(eq(users.id, user.id));
    expect(await checkSession(db, claims(user.id))).toMatchObject({ isAdmin: true });
    const demotedAt = Date.now();
    await db.update(users).set({ isAdmin: false }).where(eq(users.id, user.id)); // not through a service: no cache drop
    const seen = await until(() => checkSession(db, claims(user.id)), (u) => u?.isAdmin === false, SESSION_CHECK_TTL_MS + 2000);
    expect(seen?.isAdmin).toBe(false);
    expect(Date.now() - demotedAt).toBeLessThanOrEqual(SESSION_CHECK_TTL_MS + 2000);
    await db.update(users).set({ sessionEpoch: 7 }).where(eq(users.id, user.id));
    expect(await until(() => checkSession(db, claims(user.id)), (u) => u === null, SESSION_CHECK_TTL_MS + 2000)).toBeNull();
  }, 20_000);

  it("the cache is bounded", async () => {
    const db = h.database.db;
    const ids = Array.from({ length: SESSION_CACHE_MAX + 50 }, () => randomUUID());
    await sessionRows(db, ids);
    expect(sessionCacheSize(db)).toBeLessThanOrEqual(SESSION_CACHE_MAX);
  }, 30_000);

  it("changing the password needs the current one, ends every session, and the new password works", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Heidi"); // password "correct horse"
    const cookie = await mintSessionCookie(user, SECRET);
    const wrong = await changePassword(db, user.id, { currentPassword: "nope", newPassword: "a brand new one" }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: "VALIDATION", details: { fieldErrors: { currentPassword: ["The current password is wrong"] } } });
    expect(await epochOf(db, user.id)).toBe(0);
    await expect(changePassword(db, user.id, { currentPassword: "correct horse", newPassword: "short" })).rejects.toMatchObject({ name: "ZodError" });
    await changePassword(db, user.id, { currentPassword: "correct horse", newPassword: "a brand new one" });
    await expect(requireCallerFromHeaders(db, undefined, cookie, SECRET)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await verifyCredentials(db, { email: user.email, password: "a brand new one" }, "10.9.9.9")).toMatchObject({ id: user.id });
    expect(await verifyCredentials(db, { email: user.email, password: "correct horse" }, "10.9.9.9")).toBeNull();
  });

  it("demoting a site admin ends their sessions; only admins may, never themselves", async () => {
    const db = h.database.db;
    const admin = await makeUser(db, "Ivan");
    const other = await makeUser(db, "Judy");
    await db.update(users).set({ isAdmin: true }).where(eq(users.id, admin.id));
    const adminCaller = { ...admin, isAdmin: true };
    await expect(setSiteAdmin(db, { ...other, isAdmin: false }, admin.id, { isAdmin: false })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await setSiteAdmin(db, adminCaller, other.id, { isAdmin: true })).toMatchObject({ id: other.id, isAdmin: true });
    const cookie = await mintSessionCookie(other, SECRET);
    expect(await requireCallerFromHeaders(db, undefined, cookie, SECRET)).toMatchObject({ isAdmin: true });
    expect(await setSiteAdmin(db, adminCaller, other.id, { isAdmin: false })).toMatchObject({ isAdmin: false });
    await expect(requireCallerFromHeaders(db, undefined, cookie, SECRET)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(setSiteAdmin(db, adminCaller, admin.id, { isAdmin: false })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(setSiteAdmin(db, adminCaller, randomUUID(), { isAdmin: false })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(setSiteAdmin(db, adminCaller, "not-a-uuid", { isAdmin: false })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await epochOf(db, admin.id)).toBe(0);
  });
});
