/** API tokens: stored only as a hash, expiring, and their creation through the tokens route is rate-limited per user. */
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { apiTokens } from "../../db/schema";
import { AppError } from "../../server/errors";
import { LOGIN_TOKEN_HOURS, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS } from "../../contracts/tokens";
import { requireCallerFromHeaders } from "../../server/auth/caller";
import { loginForToken } from "../../server/auth/login-token";
import { TOKEN_CHECK_MAX_AGE_MS, TOKEN_CREATION_LIMIT, createApiToken, listApiTokens, revokeApiToken, userForToken } from "../../server/auth/api-tokens";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

describeEngines("API tokens", (h) => {
  it("stores only a hash of the token, which still authenticates", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Robot");
    const created = await createApiToken(db, user.id, { name: "robot arm" });
    const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await userForToken(db, created.token)).toMatchObject({ id: user.id });
    expect(await userForToken(db, `${created.token}x`)).toBeNull();
  });

  it(`refuses a token beyond ${TOKEN_CREATION_LIMIT.max} within ${TOKEN_CREATION_LIMIT.windowMinutes} min with RATE_LIMITED and a retry-after; sign-in tokens do not count`, async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Busy");
    const other = await makeUser(db, "Other");
    for (let i = 0; i < TOKEN_CREATION_LIMIT.max; i++) await createApiToken(db, user.id, { name: `t${i}` });
    const refused = await createApiToken(db, user.id, { name: "one too many" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "RATE_LIMITED" });
    const wait = (refused as AppError).details?.retryAfterSeconds ?? 0;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(TOKEN_CREATION_LIMIT.windowMinutes * 60);
    // Signing in still issues tokens (that path is limited by failed attempts), and other users are unaffected.
    await expect(createApiToken(db, user.id, { name: "login" }, "login")).resolves.toMatchObject({ name: "login" });
    await expect(createApiToken(db, other.id, { name: "mine" })).resolves.toMatchObject({ name: "mine" });
    expect(await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id))).toHaveLength(TOKEN_CREATION_LIMIT.max + 1);
  });

  const DAY_MS = 24 * 3600_000;
  const near = (iso: string, ms: number) => Math.abs(Date.parse(iso) - (Date.now() + ms)) < 60_000;

  it(`expires in ${TOKEN_DEFAULT_DAYS} days unless chosen (at most ${TOKEN_MAX_DAYS}); the list shows when`, async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Expiring");
    const byDefault = await createApiToken(db, user.id, { name: "default" });
    expect(near(byDefault.expiresAt, TOKEN_DEFAULT_DAYS * DAY_MS)).toBe(true);
    const chosen = await createApiToken(db, user.id, { name: "a week", expiresInDays: 7 });
    expect(near(chosen.expiresAt, 7 * DAY_MS)).toBe(true);
    for (const bad of [0, TOKEN_MAX_DAYS + 1, 1.5, "30", -1]) {
      await expect(createApiToken(db, user.id, { name: "bad", expiresInDays: bad })).rejects.toMatchObject({ name: "ZodError" });
    }
    const listed = await listApiTokens(db, user.id);
    expect(listed.map((t) => [t.name, t.expiresAt])).toEqual([
      ["a week", chosen.expiresAt],
      ["default", byDefault.expiresAt],
    ]);
  });

  it("an expired token answers UNAUTHENTICATED saying it expired; a revoked or unknown one says invalid", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Lapsed");
    const t = await createApiToken(db, user.id, { name: "lapsing", expiresInDays: 1 });
    await expect(requireCallerFromHeaders(db, `Bearer ${t.token}`, undefined, "unused-secret-0123456789")).resolves.toMatchObject({ id: user.id });
    await db.update(apiTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiTokens.id, t.id));
    // A change made behind this process's back (here, straight in the table) is seen once its cached check is too old to use.
    await new Promise((r) => setTimeout(r, TOKEN_CHECK_MAX_AGE_MS));
    expect(await userForToken(db, t.token)).toMatchObject({ expiredAt: expect.any(Date) });
    const err = await requireCallerFromHeaders(db, `Bearer ${t.token}`, undefined, "unused-secret-0123456789").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/^This API token expired on \d{4}-\d{2}-\d{2}; create a new one$/) });
    await expect(requireCallerFromHeaders(db, "Bearer crv_unknown", undefined, "unused-secret-0123456789")).rejects.toMatchObject({ message: "Invalid or revoked API token" });
  });

  it("a revoked token stops working at once in the process that revoked it, and within 5 s in any other", async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Revoker");
    const here = await createApiToken(db, user.id, { name: "revoked here" });
    const there = await createApiToken(db, user.id, { name: "revoked elsewhere" });
    for (const t of [here, there]) expect(await userForToken(db, t.token)).toMatchObject({ id: user.id });
    // Both checks are cached now. Revoked through this process: refused on the very next request.
    await revokeApiToken(db, user.id, here.id);
    expect(await userForToken(db, here.token)).toBeNull();
    // Revoked by another process (straight in the table, as another web node would): refused within 5 s.
    const stamp = Date.now();
    await db.update(apiTokens).set({ revokedAt: sql`now()` }).where(eq(apiTokens.id, there.id));
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (Date.now() - stamp < 6_000) {
      if ((await userForToken(db, there.token)) === null) {
        refusedAfter = Date.now() - stamp;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusedAfter).toBeLessThanOrEqual(5_000);
    expect(await requireCallerFromHeaders(db, `Bearer ${there.token}`, undefined, "unused-secret-0123456789").catch((e: unknown) => e)).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it(`a token minted by signing in lives ${LOGIN_TOKEN_HOURS} hours, not forever`, async () => {
    const db = h.database.db;
    const user = await makeUser(db, "Cli"); // password "correct horse"
    const login = await loginForToken(db, { email: user.email, password: "correct horse" }, "10.8.8.8");
    expect(near(login.expiresAt, LOGIN_TOKEN_HOURS * 3600_000)).toBe(true);
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
    expect(near(row!.expiresAt.toISOString(), LOGIN_TOKEN_HOURS * 3600_000)).toBe(true);
  });
});
