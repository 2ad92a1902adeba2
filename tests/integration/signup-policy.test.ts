import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { SIGN_UP_ACCEPTED_MESSAGE } from "../../contracts/auth";
import { invitations, users } from "../../db/schema";
import { register } from "../../server/auth/register";
import { verifyCredentials } from "../../server/auth/verify-credentials";
import { AppError } from "../../server/errors";
import { createInvite } from "../../server/invites/create-invite";
import { hashInviteToken } from "../../server/auth/invite-token";
import { listInvites } from "../../server/invites/list-invites";
import { revokeInvite } from "../../server/invites/revoke-invite";
import { describeEngines } from "../helpers/engines";
import { makeProject, makeUser, uniqueEmail } from "../helpers/fixtures";

const OPEN = { signup: "open", signupPerHour: 1000 } as const;
const INVITE = { signup: "invite", signupPerHour: 1000 } as const;
const ip = () => `10.20.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const body = (email: string, extra: Record<string, unknown> = {}) => ({ name: "New Person", email, password: "long enough password", ...extra });
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describeEngines("sign-up policy and invitations", (h) => {
  const countUsers = async (email: string) =>
    (await h.database.db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase())))[0]?.n;

  it("open: a new email and a taken one get the same answer, and only the first creates an account", async () => {
    const email = uniqueEmail("open");
    const created = await register(h.database.db, body(email), ip(), OPEN);
    const taken = await register(h.database.db, body(email.toUpperCase(), { password: "another password" }), ip(), OPEN);
    expect(created).toEqual({ message: SIGN_UP_ACCEPTED_MESSAGE });
    expect(taken).toEqual(created);
    expect(await countUsers(email)).toBe(1);
    // The first password is the one that works: the second attempt changed nothing.
    expect((await verifyCredentials(h.database.db, { email, password: "long enough password" }, ip()))?.email).toBe(email);
    expect(await verifyCredentials(h.database.db, { email, password: "another password" }, ip())).toBeNull();
  });

  it("closed: 403 and nothing written", async () => {
    const email = uniqueEmail("closed");
    const err = await refusal(register(h.database.db, body(email), ip(), { signup: "closed", signupPerHour: 1000 }));
    expect(err.code).toBe("FORBIDDEN");
    expect(await countUsers(email)).toBe(0);
  });

  it("invite: needed, single use, expires, and a taken email still answers uniformly", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Inviting Lead");
    await makeProject(db, [[lead, "lead"]]);
    const noInvite = await refusal(register(db, body(uniqueEmail("noinv")), ip(), INVITE));
    expect(noInvite.code).toBe("UNPROCESSABLE");
    expect(noInvite.details?.fieldErrors?.invite).toBeDefined();

    const invite = await createInvite(db, lead, { note: "for Ada" });
    expect(invite.token).toMatch(/^inv_/);
    expect(invite.status).toBe("active");
    // Only the hash is stored.
    const [stored] = await db.select().from(invitations).where(eq(invitations.id, invite.id));
    expect(stored?.tokenHash).toBe(hashInviteToken(invite.token));
    expect(JSON.stringify(stored)).not.toContain(invite.token);

    const email = uniqueEmail("invited");
    expect(await register(db, body(email, { invite: invite.token }), ip(), INVITE)).toEqual({ message: SIGN_UP_ACCEPTED_MESSAGE });
    expect(await countUsers(email)).toBe(1);
    const reuse = await refusal(register(db, body(uniqueEmail("reuse"), { invite: invite.token }), ip(), INVITE));
    expect(reuse.details?.fieldErrors?.invite).toBeDefined();
    const [used] = (await listInvites(db, lead)).filter((i) => i.id === invite.id);
    expect(used).toMatchObject({ status: "used", note: "for Ada", usedBy: { name: "New Person" } });

    const expiring = await createInvite(db, lead, {});
    await db.update(invitations).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(invitations.id, expiring.id));
    const expired = await refusal(register(db, body(uniqueEmail("late"), { invite: expiring.token }), ip(), INVITE));
    expect(expired.code).toBe("UNPROCESSABLE");
    expect((await listInvites(db, lead)).find((i) => i.id === expiring.id)?.status).toBe("expired");

    // A taken email with a valid invitation: the same answer as a new one, no second account.
    const another = await createInvite(db, lead, {});
    expect(await register(db, body(email, { invite: another.token }), ip(), INVITE)).toEqual({ message: SIGN_UP_ACCEPTED_MESSAGE });
    expect(await countUsers(email)).toBe(1);

    // Revoked: unusable.
    const revoked = await createInvite(db, lead, {});
    await revokeInvite(db, lead, revoked.id);
    expect((await refusal(register(db, body(uniqueEmail("rev"), { invite: revoked.token }), ip(), INVITE))).code).toBe("UNPROCESSABLE");
  });

  it("only site admins and project leads invite; a lead sees their own invitations, an admin everyone's", async () => {
    const db = h.database.db;
    const labeller = await makeUser(db, "Just Labeller");
    const lead = await makeUser(db, "Other Lead");
    await makeProject(db, [[labeller, "labeler"], [lead, "lead"]]);
    expect((await refusal(createInvite(db, labeller, {}))).code).toBe("FORBIDDEN");
    expect((await refusal(listInvites(db, labeller))).code).toBe("FORBIDDEN");
    const mine = await createInvite(db, lead, { note: "mine" });
    const admin = { ...(await makeUser(db, "Site Admin")), isAdmin: true };
    const adminInvite = await createInvite(db, admin, { note: "admin's" });
    expect((await listInvites(db, lead)).map((i) => i.id)).toEqual([mine.id]);
    expect((await listInvites(db, admin)).map((i) => i.id)).toEqual(expect.arrayContaining([mine.id, adminInvite.id]));
    // Someone else's invitation is not found for a lead.
    expect((await refusal(revokeInvite(db, lead, adminInvite.id))).code).toBe("NOT_FOUND");
    await expect(createInvite(db, lead, { expiresInDays: 365 })).rejects.toMatchObject({ name: "ZodError" }); // → 400 at the edge
  });

  it("limits sign-up attempts per address (429 with Retry-After), other addresses unaffected", async () => {
    const limits = { signup: "open", signupPerHour: 3 } as const;
    const address = ip();
    for (let i = 0; i < 3; i++) await register(h.database.db, body(uniqueEmail("burst")), address, limits);
    const email = uniqueEmail("fourth");
    const err = await refusal(register(h.database.db, body(email), address, limits));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.details?.retryAfterSeconds).toBeGreaterThan(50 * 60);
    expect(await countUsers(email)).toBe(0);
    await register(h.database.db, body(email), ip(), limits);
    expect(await countUsers(email)).toBe(1);
  });
});
