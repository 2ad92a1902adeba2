/** API tokens: stored only as a hash, and their creation through the tokens route is rate-limited per user. */
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { apiTokens } from "../../db/schema";
import { AppError } from "../../server/errors";
import { TOKEN_CREATION_LIMIT, createApiToken, userForToken } from "../../server/tokens/api-tokens";
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
    expect((await userForToken(db, created.token))?.id).toBe(user.id);
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
});
