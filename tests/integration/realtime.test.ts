import http from "node:http";
import { eq, sql } from "drizzle-orm";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REALTIME_PATH, type ClientToServerEvents, type ServerToClientEvents } from "../../contracts/realtime";
import { parseConfig } from "../../server/config";
import type { AppContext } from "../../server/context";
import type { TUser } from "../../contracts/auth";
import { attachRealtime, type RealtimeServer } from "../../server/http/attach-realtime";
import { describeEngines } from "../helpers/engines";
import { users } from "../../db/schema";
import { SESSION_CHECK_TTL_MS } from "../../server/auth/check-session";
import { signOutEverywhere } from "../../server/auth/revoke-sessions";
import { makeProject, makeUser } from "../helpers/fixtures";
import { mintSessionCookie, OLD_DEMO_SECRET } from "../helpers/session-cookie";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describeEngines("socket.io authentication and project rooms", (h) => {
  const config = parseConfig({ DEMO: "1", NEXTAUTH_SECRET: "realtime-test-secret-0123456789" });
  let server: http.Server;
  let io: RealtimeServer;
  let base: string;
  let alice: TUser, bob: TUser;
  let projectId: string, otherId: string;
  const clients: Client[] = [];

  const cookieFor = (u: TUser, epoch = 0) => mintSessionCookie(u, config.authSecret, { epoch });
  const open = (cookie?: string, headers: Record<string, string> = {}) => {
    const c: Client = connect(base, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { ...(cookie ? { cookie } : {}), ...headers }, reconnection: false });
    clients.push(c);
    return c;
  };
  const connected = (c: Client) =>
    new Promise<void>((resolve, reject) => {
      c.once("connect", () => resolve());
      c.once("connect_error", reject);
    });

  beforeAll(async () => {
    alice = await makeUser(h.database.db, "Alice");
    bob = await makeUser(h.database.db, "Bob");
    projectId = await makeProject(h.database.db, [[alice, "labeler"], [bob, "viewer"]]);
    otherId = await makeProject(h.database.db, [[bob, "lead"]]);
    const ctx: AppContext = { config, database: h.database, version: "t", startedAt: new Date() };
    server = http.createServer();
    io = attachRealtime(server, ctx);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    ctx.origins = [base]; // as server/main.ts sets them once it listens
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await new Promise<void>((r) => io.close(() => r()));
  });

  it("refuses a handshake without a valid session cookie", async () => {
    await expect(connected(open())).rejects.toThrow("UNAUTHENTICATED");
    await expect(connected(open("next-auth.session-token=forged.jwt.value"))).rejects.toThrow("UNAUTHENTICATED");
    // Signed with the constant demo secret of earlier versions, claiming admin: refused.
    await expect(connected(open(await mintSessionCookie(alice, OLD_DEMO_SECRET, { isAdmin: true })))).rejects.toThrow("UNAUTHENTICATED");
    // Well signed, but for a user that does not exist, or without the session claims, or past the 7-day cap.
    const ghost = { id: "00000000-0000-4000-8000-000000000001", email: "ghost@example.test", name: "Ghost" };
    await expect(connected(open(await mintSessionCookie(ghost, config.authSecret)))).rejects.toThrow("UNAUTHENTICATED");
    await expect(connected(open(await mintSessionCookie(alice, config.authSecret, { epoch: undefined })))).rejects.toThrow("UNAUTHENTICATED");
    const eightDaysAgo = Math.floor(Date.now() / 1000) - 8 * 24 * 3600;
    await expect(connected(open(await mintSessionCookie(alice, config.authSecret, { authTime: eightDaysAgo })))).rejects.toThrow("UNAUTHENTICATED");
  });

  it("disconnects a connected socket within the check window once its session is revoked, and refuses it afterwards", async () => {
    const carol = await makeUser(h.database.db, "Carol");
    const c = open(await cookieFor(carol));
    await connected(c);
    const dropped = new Promise<string>((resolve) => c.once("disconnect", resolve));
    const revokedAt = Date.now();
    await signOutEverywhere(h.database.db, carol.id);
    expect(await dropped).toBe("io server disconnect");
    expect(Date.now() - revokedAt).toBeLessThan(SESSION_CHECK_TTL_MS + 2000);
    await expect(connected(open(await cookieFor(carol)))).rejects.toThrow("UNAUTHENTICATED");
    await expect(connected(open(await cookieFor(carol, 1)))).resolves.toBeUndefined(); // a new sign-in carries the new epoch
  }, 30_000);

  it("a demoted admin's connected socket loses admin rights within the check window", async () => {
    const dana = await makeUser(h.database.db, "Dana");
    await h.database.db.update(users).set({ isAdmin: true }).where(eq(users.id, dana.id));
    const d = open(await cookieFor(dana));
    await connected(d);
    expect(await d.emitWithAck("project:join", { projectId: otherId })).toMatchObject({ ok: true });
    // Demoted straight in the database (another process, an operator): only the cache window applies.
    await h.database.db.update(users).set({ isAdmin: sql`false` }).where(eq(users.id, dana.id));
    const deadline = Date.now() + SESSION_CHECK_TTL_MS + 2000;
    let ack = await d.emitWithAck("project:join", { projectId: otherId });
    while (ack.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ack = await d.emitWithAck("project:join", { projectId: otherId });
    }
    expect(ack).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  }, 30_000);

  it("joins a member to the project room and broadcasts presence to the others", async () => {
    const a = open(await cookieFor(alice));
    await connected(a);
    const first = await a.emitWithAck("project:join", { projectId });
    expect(first).toEqual({ ok: true, data: { users: [{ id: alice.id, name: "Alice" }] } });

    const b = open(await cookieFor(bob));
    await connected(b);
    const update = new Promise((resolve) => a.once("presence:update", resolve));
    const second = await b.emitWithAck("project:join", { projectId });
    expect(second.ok && second.data.users.map((u) => u.name)).toEqual(["Alice", "Bob"]);
    expect(await update).toEqual({ projectId, users: [{ id: alice.id, name: "Alice" }, { id: bob.id, name: "Bob" }] });
  });

  it("answers NOT_FOUND for another project's room and VALIDATION for a malformed payload", async () => {
    const a = open(await cookieFor(alice));
    await connected(a);
    expect(await a.emitWithAck("project:join", { projectId: otherId })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await a.emitWithAck("project:join", { projectId: "nope" } as never)).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(await a.emitWithAck("project:join", null as never)).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("refuses a handshake from another site's page even with a valid cookie; accepts this site's", async () => {
    const cookie = await cookieFor(alice);
    // A page on another origin (cross-site websocket hijacking), and a browser that says cross-site without Origin.
    await expect(connected(open(cookie, { origin: "http://evil.example" }))).rejects.toThrow();
    await expect(connected(open(cookie, { origin: base.replace("127.0.0.1", "127.0.0.1.evil.example") }))).rejects.toThrow();
    await expect(connected(open(cookie, { "sec-fetch-site": "cross-site" }))).rejects.toThrow();
    // This site's own page, and a non-browser client (no Origin, no Sec-Fetch-Site), go on to the cookie check.
    const own = open(cookie, { origin: base, "sec-fetch-site": "same-origin" });
    await connected(own);
    expect(await own.emitWithAck("project:join", { projectId })).toMatchObject({ ok: true });
    await connected(open(cookie));
  });

  it("project:leave from a non-member is refused and sends no presence update to the room", async () => {
    // A room of its own, so sockets of the other tests are not in it.
    const room = await makeProject(h.database.db, [[alice, "labeler"], [bob, "viewer"]]);
    const a = open(await cookieFor(alice));
    await connected(a);
    expect(await a.emitWithAck("project:join", { projectId: room })).toMatchObject({ ok: true });
    const carol = await makeUser(h.database.db, "Carol");
    const c = open(await cookieFor(carol));
    await connected(c);
    const seen: unknown[] = [];
    a.on("presence:update", (p) => seen.push(p));
    for (let i = 0; i < 5; i++) {
      expect(await c.emitWithAck("project:leave", { projectId: room })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    // A member who never joined may leave (nothing changes), and is not broadcast either.
    const b = open(await cookieFor(bob));
    await connected(b);
    expect(await b.emitWithAck("project:leave", { projectId: room })).toEqual({ ok: true, data: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    // A member who did join and leaves is broadcast as before.
    expect(await b.emitWithAck("project:join", { projectId: room })).toMatchObject({ ok: true });
    const left = new Promise((resolve) => a.on("presence:update", (p) => p.users.length === 1 && resolve(p)));
    expect(await b.emitWithAck("project:leave", { projectId: room })).toEqual({ ok: true, data: null });
    expect(await left).toMatchObject({ projectId: room, users: [{ id: alice.id }] });
  });
});
