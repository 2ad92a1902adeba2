/**
 * The web-facing protections of docs/SECURITY.md against the real server (`npm start` on embedded PGlite):
 * the same-origin rule for cookie writes (route handlers and the labelling fast path) and socket.io
 * handshakes, enforced leases over HTTP, room events without task ids, one not-found answer for tasks,
 * 405s, the page Content-Security-Policy with its script nonce, and HSTS when served over https.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { REALTIME_PATH, type ClientToServerEvents, type ProjectEvent, type ServerToClientEvents } from "../../contracts/realtime";
import { ApiClient, waitFor } from "../helpers/api-client";
import { externalProjectInLabeling } from "../helpers/external-project";
import { mintSessionCookie } from "../helpers/session-cookie";
import { startServer, type ServerProcess } from "../helpers/server-process";

const SECRET = "web-hardening-secret-0123456789abcdef";
const SETTINGS = { statesPerRound: 4, labelsPerState: 2, selection: "all", epochs: 2, hiddenUnits: [8], batchSize: 8 };
const EVIL = "http://evil.example";
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Me {
  id: string;
  email: string;
  name: string;
  isAdmin?: boolean;
}

/** The session cookie the browser would hold (claims as next-auth writes them; `isAdmin` for servers that read it from the token). */
const sessionCookie = (me: Me) => mintSessionCookie(me, SECRET, { isAdmin: me.isAdmin === true });

/** A raw request (no bearer token): what a browser sends with the session cookie. */
async function browser(base: string, method: string, url: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${base}${url}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // HTML or empty
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

function openSocket(base: string, cookie: string, headers: Record<string, string> = {}): Promise<Client | string> {
  const socket: Client = connect(base, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie, ...headers }, reconnection: false });
  return new Promise((resolve) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.disconnect();
      resolve(err.message || "refused");
    });
  });
}

/** Sends one raw request line and returns the status line and headers of the answer. */
function rawRequest(base: string, requestLine: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(`${requestLine}\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
    let out = "";
    socket.on("data", (d) => (out += d.toString()));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer")));
  });
}

describe("web hardening against the real server", () => {
  let server: ServerProcess;
  let base: string;
  let lead: ApiClient, labA: ApiClient, labB: ApiClient, outsider: ApiClient;
  let me: Record<"lead" | "labA" | "labB" | "outsider", Me>;
  let project: { id: string; taskIds: string[]; stateId: string };
  let extraEmail: string;

  beforeAll(async () => {
    server = await startServer({ DEMO: "1", NEXTAUTH_SECRET: SECRET, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-web-")) });
    base = server.url;
    const stamp = Date.now();
    [lead, labA, labB, outsider] = (await Promise.all(["lead", "laba", "labb", "outsider"].map((n) => ApiClient.signUpAndLogin(base, n, `${n}-${stamp}@example.test`)))) as [ApiClient, ApiClient, ApiClient, ApiClient];
    extraEmail = (await (await ApiClient.signUpAndLogin(base, "extra", `extra-${stamp}@example.test`)).ok("GET", "/api/v1/me")).email;
    me = {
      lead: await lead.ok("GET", "/api/v1/me"),
      labA: await labA.ok("GET", "/api/v1/me"),
      labB: await labB.ok("GET", "/api/v1/me"),
      outsider: await outsider.ok("GET", "/api/v1/me"),
    };
    project = await externalProjectInLabeling(lead, "Hardening", SETTINGS);
    for (const who of [me.labA, me.labB]) await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: who.email, role: "labeler" });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  });

  const members = async () => ((await lead.ok("GET", `/api/v1/projects/${project.id}`)) as { members: { email: string }[] }).members.map((m) => m.email);

  it("a cross-site form post with the session cookie is refused and writes nothing; the same call with a bearer token passes", async () => {
    const cookie = await sessionCookie(me.lead);
    const url = `/api/v1/projects/${project.id}/members`;
    const form = `email=${encodeURIComponent(extraEmail)}&role=viewer`;
    const before = await members();
    // The attack the issue found (201 before): another site's form posting to the API with the lead's cookie.
    const forged = await browser(base, "POST", url, { cookie, origin: EVIL, "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" }, form);
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/Cross-site request refused/) });
    // The same with a JSON body and a foreign origin, and a same-site sibling: refused, the origin is what counts.
    const json = JSON.stringify({ email: extraEmail, role: "viewer" });
    for (const origin of [EVIL, base.replace("127.0.0.1", "localhost.evil.example"), base.replace("http:", "https:"), "null"]) {
      expect((await browser(base, "POST", url, { cookie, origin, "content-type": "application/json" }, json)).status, origin).toBe(403);
    }
    // Our own origin with a form or plain-text body (what a page could send without a preflight): 415.
    for (const type of ["application/x-www-form-urlencoded", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x"]) {
      const res = await browser(base, "POST", url, { cookie, origin: base, "content-type": type }, form);
      expect(res.status, type).toBe(415);
      expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await members()).toEqual(before);
    // A bearer token is not a cookie a browser attaches on its own: unaffected, whatever the headers say.
    const bearer = await lead.call("POST", url, { email: extraEmail, role: "viewer" }, { origin: EVIL, "sec-fetch-site": "cross-site" });
    expect(bearer.status).toBe(201);
    expect(await members()).toContain(extraEmail);
  });

  it("without Origin, Sec-Fetch-Site decides: cross-site and same-site are refused, same-origin passes, neither header is refused", async () => {
    const cookie = await sessionCookie(me.lead);
    const url = `/api/v1/projects/${project.id}`;
    const patch = (headers: Record<string, string>, description: string) =>
      browser(base, "PATCH", url, { cookie, "content-type": "application/json", ...headers }, JSON.stringify({ description }));
    expect((await patch({ "sec-fetch-site": "cross-site" }, "cross-site")).status).toBe(403);
    expect((await patch({ "sec-fetch-site": "same-site" }, "same-site")).status).toBe(403);
    expect((await patch({}, "no headers")).status).toBe(403);
    expect((await lead.ok("GET", url)).description ?? "").not.toMatch(/cross-site|same-site|no headers/);
    const ok = await patch({ "sec-fetch-site": "same-origin" }, "from our own page");
    expect(ok.status).toBe(200);
    expect((await lead.ok("GET", url)).description).toBe("from our own page");
    // Reads are not writes: a GET with a foreign Origin is answered (the browser keeps the answer from the other site).
    expect((await browser(base, "GET", url, { cookie, origin: EVIL })).status).toBe(200);
  });

  it("the labelling fast path applies the same rule: no claim or label from another site", async () => {
    const cookie = await sessionCookie(me.labA);
    const claimUrl = `/api/v1/projects/${project.id}/tasks/next`;
    expect((await browser(base, "POST", claimUrl, { cookie, origin: EVIL, "content-type": "application/json" }, "{}")).status).toBe(403);
    expect((await browser(base, "POST", claimUrl, { cookie, "sec-fetch-site": "cross-site" })).status).toBe(403);
    const claim = await browser(base, "POST", claimUrl, { cookie, origin: base, "content-type": "application/json" }, "{}");
    expect(claim.status).toBe(200);
    const taskId: string = claim.body.data.task.id;
    const labelUrl = `/api/v1/tasks/${taskId}/labels`;
    const label = JSON.stringify({ id: randomUUID(), action: 1 });
    const forged = await browser(base, "POST", labelUrl, { cookie, origin: EVIL, "content-type": "text/plain" }, label);
    expect(forged.status).toBe(403);
    expect((await browser(base, "POST", labelUrl, { cookie, origin: base, "content-type": "text/plain" }, label)).status).toBe(415);
    expect((await browser(base, "POST", labelUrl, { cookie, origin: base }, label)).status).toBe(415);
    const round = await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/1`);
    expect(round.progress.labels).toBe(0);
    const ok = await browser(base, "POST", labelUrl, { cookie, origin: base, "content-type": "application/json" }, label);
    expect(ok.status).toBe(201);
    expect((await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/1`)).progress.labels).toBe(1);
  });

  it("a socket.io handshake from another site's page is refused even with a valid cookie", async () => {
    const cookie = await sessionCookie(me.lead);
    expect(typeof (await openSocket(base, cookie, { origin: EVIL }))).toBe("string");
    expect(typeof (await openSocket(base, cookie, { "sec-fetch-site": "cross-site" }))).toBe("string");
    const own = await openSocket(base, cookie, { origin: base });
    if (typeof own === "string") throw new Error(`own origin refused: ${own}`);
    onTestFinished(() => void own.disconnect());
    expect(await own.emitWithAck("project:join", { projectId: project.id })).toMatchObject({ ok: true });
  });

  it("leases are enforced over HTTP, and the room hears counts and who, never a claimable task id", async () => {
    const socket = await openSocket(base, await sessionCookie(me.lead), { origin: base });
    if (typeof socket === "string") throw new Error(socket);
    onTestFinished(() => void socket.disconnect());
    expect(await socket.emitWithAck("project:join", { projectId: project.id })).toMatchObject({ ok: true });
    const events: ProjectEvent[] = [];
    socket.on("project:event", (e) => events.push(e));

    // A claims a task (fast path); B never claimed it and labels it anyway: 409, nothing stored.
    const claim = await labA.post(`/api/v1/projects/${project.id}/tasks/next`, {});
    expect(claim.status).toBe(200);
    const held: string = claim.body.data.task.id;
    const before = (await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/1`)).progress.labels;
    const stolen = await labB.post(`/api/v1/tasks/${held}/labels`, { id: randomUUID(), action: 0 });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/held by another labeller/) });
    expect((await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/1`)).progress.labels).toBe(before);
    // The holder's label goes through.
    expect((await labA.post(`/api/v1/tasks/${held}/labels`, { id: randomUUID(), action: 2 })).status).toBe(201);
    // B claims, releases (Next route) and rides along: more events of each kind.
    const claimB = await labB.post(`/api/v1/projects/${project.id}/tasks/next`, {});
    expect(claimB.status).toBe(200);
    expect((await labB.post(`/api/v1/tasks/${claimB.body.data.task.id}/release`)).body.data).toEqual({ released: true });
    expect((await labB.post(`/api/v1/projects/${project.id}/tasks/ride`, { maxTasks: 2 })).status).toBeLessThan(300);

    await waitFor("claim and release events", async () => events.some((e) => e.type === "tasks:released") && events.filter((e) => e.type === "tasks:claimed").length >= 3, 10_000, 50);
    const claimed = events.filter((e) => e.type === "tasks:claimed");
    expect(claimed.map((e) => e.userId)).toEqual(expect.arrayContaining([me.labA.id, me.labB.id]));
    expect(claimed.every((e) => e.type === "tasks:claimed" && e.count >= 1)).toBe(true);
    // No payload names a task: not as a field, not anywhere in its text.
    const text = JSON.stringify(events);
    for (const id of [...project.taskIds, held]) expect(text).not.toContain(id);
    expect(events.some((e) => "taskId" in e)).toBe(false);
  });

  it("a task in a project you are not in answers exactly like a task that does not exist", async () => {
    const foreign = project.taskIds[3]!;
    const missing = randomUUID();
    const cases: [string, string, unknown?][] = [
      ["POST", "/labels", { id: randomUUID(), action: 0 }], // fast path
      ["POST", "/heartbeat"], // fast path
      ["POST", "/release"],
      ["DELETE", `/labels/${randomUUID()}`],
    ];
    for (const [method, suffix, body] of cases) {
      const a = await outsider.call(method, `/api/v1/tasks/${foreign}${suffix}`, body);
      const b = await outsider.call(method, `/api/v1/tasks/${missing}${suffix}`, body);
      const c = await outsider.call(method, `/api/v1/tasks/not-a-uuid${suffix}`, body);
      expect([a.status, a.body], `${method} ${suffix}`).toEqual([404, { error: { code: "NOT_FOUND", message: "Task not found" } }]);
      expect([b.status, b.body]).toEqual([a.status, a.body]);
      expect([c.status, c.body]).toEqual([a.status, a.body]);
    }
  });

  it("TRACE, TRACK and made-up methods get 405 without a stack; an API path answers 405 with Allow for a method it does not take", async () => {
    // fetch refuses to send TRACE and TRACK, so these go over a raw socket.
    for (const url of ["/", "/api/v1/projects", "/signin"]) {
      const answer = await rawRequest(base, `TRACE ${url} HTTP/1.1\r\nCookie: next-auth.session-token=secret-value`);
      expect(answer, url).toMatch(/^HTTP\/1\.1 405 /);
      expect(answer).toMatch(/\r\nallow: GET, HEAD, OPTIONS/i);
      expect(answer).not.toMatch(/\bat \S+ \(|node_modules|Error:/);
      expect(answer).not.toContain("secret-value"); // TRACE must not echo the request
    }
    for (const line of ["TRACK / HTTP/1.1", "FOO /api/v1/projects HTTP/1.1"]) {
      const answer = await rawRequest(base, line);
      expect(answer, line).toMatch(/^HTTP\/1\.1 405 /);
      expect(answer).not.toMatch(/\bat \S+ \(/);
    }
    const put = await lead.call("PUT", "/api/v1/projects", {});
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    expect(put.body.error.code).toBe("METHOD_NOT_ALLOWED");
    const del = await lead.call("DELETE", "/api/health");
    expect([del.status, del.headers.get("allow")]).toEqual([405, "GET, HEAD, OPTIONS"]);
    // A path with a parameter and several routes under it (datasets/{version} vs datasets/import).
    const importGet = await lead.call("GET", `/api/v1/projects/${project.id}/datasets/import`);
    expect([importGet.status, importGet.headers.get("allow")]).toEqual([405, "OPTIONS, POST"]);
    // Methods a path does take are untouched; unknown API paths stay 404.
    expect((await lead.call("GET", "/api/v1/projects")).status).toBe(200);
    expect((await lead.call("DELETE", "/api/v1/nothing-here")).status).toBe(404);
  });

  it("pages carry a CSP with default-src 'self' and a fresh script nonce that every script of the page has; the API a strict one", async () => {
    const nonces: string[] = [];
    for (const url of ["/signin", "/signin"]) {
      const res = await browser(base, "GET", url, {});
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      const nonce = /script-src[^;]*'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      nonces.push(nonce!);
      const scripts = [...res.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
    const api = await browser(base, "GET", "/api/health", {});
    expect(api.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    // Served over plain http: no HSTS.
    expect(api.headers.get("strict-transport-security")).toBeNull();
  });
});

describe("behind https (NEXTAUTH_URL=https://…)", () => {
  let server: ServerProcess;
  const PUBLIC = "https://corrective.example";

  beforeAll(async () => {
    server = await startServer({ DEMO: "1", NEXTAUTH_SECRET: SECRET, NEXTAUTH_URL: PUBLIC, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-web-https-")) });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("sends HSTS, and takes the configured origin as its own, not the Host the request names", async () => {
    const base = server.url;
    for (const url of ["/api/health", "/signin"]) {
      expect((await browser(base, "GET", url, {})).headers.get("strict-transport-security"), url).toMatch(/max-age=\d{7,}/);
    }
    const login = await new ApiClient(base).call("POST", "/api/v1/auth/login", { email: "admin@corrective.local", password: "corrective" });
    expect(login.status).toBe(201);
    const admin: Me = await new ApiClient(base, login.body.data.token).ok("GET", "/api/v1/me");
    const cookie = await sessionCookie(admin);
    // The fast path resolves the cookie, applies the rule, then looks the project up (404 when the rule passes).
    // The server's own address, which the request's Host names, is not its origin: NEXTAUTH_URL is.
    const claim = (origin: string) => browser(base, "POST", `/api/v1/projects/${randomUUID()}/tasks/next`, { cookie, origin });
    expect((await claim(base)).status).toBe(403);
    expect((await claim(PUBLIC)).status).toBe(404);
  });
});
