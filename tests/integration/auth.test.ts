import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { auditLog, users } from "../../db/schema";
import { signUp } from "../../server/auth/sign-up";
import { verifyCredentials } from "../../server/auth/verify-credentials";
import { AppError } from "../../server/errors";
import { describeEngines } from "../helpers/engines";
import { uniqueEmail } from "../helpers/fixtures";

const countUsers = async (db: Parameters<typeof signUp>[0], email: string) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase())))[0]?.n;

describeEngines("sign-up and sign-in", (h) => {
  it("creates a user with an argon2id hash and an audit entry", async () => {
    const email = uniqueEmail("ok");
    const user = await signUp(h.database.db, { name: "  Ok User ", email: email.toUpperCase(), password: "long enough" });
    expect(user.email).toBe(email);
    expect(user.name).toBe("Ok User");
    const [row] = await h.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain("long enough");
    const audit = await h.database.db.select().from(auditLog).where(eq(auditLog.actorId, user.id));
    expect(audit.map((a) => a.action)).toEqual(["user.signed_up"]);
  });

  it("rejects invalid input with field errors and writes nothing", async () => {
    const email = uniqueEmail("bad");
    const err = await signUp(h.database.db, { name: "", email, password: "short" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { name: string }).name).toBe("ZodError");
    expect(await countUsers(h.database.db, email)).toBe(0);
  });

  it("refuses a second account for the same email, whatever its case, keeping one row", async () => {
    const email = uniqueEmail("dup");
    await signUp(h.database.db, { name: "First", email, password: "long enough" });
    const err = await signUp(h.database.db, { name: "Second", email: email.toUpperCase(), password: "long enough" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("CONFLICT");
    expect((err as AppError).details?.fieldErrors?.email).toBeDefined();
    expect(await countUsers(h.database.db, email)).toBe(1);
  });

  it("verifies the right password and gives one generic null for a wrong password or unknown account", async () => {
    const email = uniqueEmail("login");
    await signUp(h.database.db, { name: "Login", email, password: "right password" });
    expect((await verifyCredentials(h.database.db, { email, password: "right password" }, "10.0.0.1"))?.email).toBe(email);
    expect(await verifyCredentials(h.database.db, { email, password: "wrong password" }, "10.0.0.1")).toBeNull();
    expect(await verifyCredentials(h.database.db, { email: uniqueEmail("nobody"), password: "x" }, "10.0.0.1")).toBeNull();
    expect(await verifyCredentials(h.database.db, { email: 42 }, "10.0.0.1")).toBeNull();
  });
});
