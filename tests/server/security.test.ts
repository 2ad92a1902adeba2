/**
 * Authorisation and hostile input, over HTTP and socket.io against the real server, on embedded PGlite and
 * on PostgreSQL.
 *
 * 1. **Authorisation matrix**: every `/api/v1` operation (enumerated from contracts/openapi.ts, whose own test
 *    keeps it complete) × every kind of caller — anonymous, viewer, labeller, lead of *another* project,
 *    lead, site admin — with the outcome derived from one rule table (`expected`): anonymous → 401 on every
 *    credentialed route; a non-member → 404 (never 403: ids leak nothing); a member below the operation's
 *    role → 403; everyone else passes authorisation (whatever the operation then answers, never 401/403 and
 *    never the "project not found" 404). Each request carries a body that passes validation, so the check
 *    really is the authorisation and not the parser. The same for the socket events.
 * 2. **Fuzzing** (fast-check): thousands of malformed bodies at every route that takes one, and malformed
 *    payloads at every socket event — never a 500, never a dropped connection, the server stays healthy, and
 *    (read straight from the database) a refused request leaves every table's row count as it was.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { OPERATIONS, type OperationSpec } from "../../contracts/openapi";
import { ROLE_RANK } from "../../contracts/projects";
import { REALTIME_PATH, type ClientToServerEvents, type ServerToClientEvents } from "../../contracts/realtime";
import { ApiClient, waitFor } from "../helpers/api-client";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { EXTERNAL, externalProjectInLabeling } from "../helpers/external-project";
import { startServer, type ServerProcess } from "../helpers/server-process";
import { signInCookie } from "../helpers/session-cookie";

const SECRET = "security-test-secret-0123456789abcdef";
const CALLERS = ["anonymous", "outsider", "viewer", "labeler", "lead", "admin"] as const;
type CallerKind = (typeof CALLERS)[number];
type Outcome = "unauthenticated" | "not-found" | "forbidden" | "allowed";

const SETTINGS = { statesPerRound: 4, labelsPerState: 3, selection: "all", epochs: 2, hiddenUnits: [8], batchSize: 8 };
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** The rule table: what a caller must get from an operation. */
function expected(op: OperationSpec, who: CallerKind): Outcome {
  if (op.auth === "public") return "allowed";
  if (who === "anonymous") return "unauthenticated";
  if (op.siteAdmin) return who === "admin" ? "allowed" : "forbidden";
  if (op.siteRole === "inviter") return who === "admin" || who === "lead" || who === "outsider" ? "allowed" : "forbidden"; // outsider leads "Theirs"
  if (!op.role) return "allowed"; // credentialed, not about one project (me, tokens, envs, projects)
  if (who === "admin") return "allowed"; // site admins act as leads everywhere
  if (who === "outsider") return "not-found";
  return ROLE_RANK[who] >= ROLE_RANK[op.role] ? "allowed" : "forbidden";
}

function observed(res: { status: number; body: any }): Outcome | `server error ${number}` {
  if (res.status >= 500) return `server error ${res.status}`;
  if (res.status === 401) return "unauthenticated";
  if (res.status === 403) return "forbidden";
  if (res.status === 404 && /^(project|task) not found$/i.test(String(res.body?.error?.message))) return "not-found";
  return "allowed";
}

interface World {
  base: string;
  clients: Record<CallerKind, ApiClient>;
  ids: Record<Exclude<CallerKind, "anonymous">, string>;
  projectId: string;
  taskIds: string[];
  stateId: string;
  frameId: string;
  /** Projects the lead and the admin delete (`DELETE /projects/{projectId}`); everyone else is refused on `projectId`. */
  doomed: { lead: string; admin: string };
  extraEmail: string;
  /** Session cookies, signed in for real once per caller (the fuzzing's failed logins later lock out sign-in from this address). */
  cookies: Partial<Record<CallerKind, string>>;
}

/** A request that passes validation for `op` (path filled with real ids where there are some). */
function sample(op: OperationSpec, w: World, who: CallerKind): { path: string; body?: unknown; headers?: Record<string, string> } {
  const values: Record<string, string> = {
    projectId: w.projectId,
    taskId: w.taskIds[CALLERS.indexOf(who) % w.taskIds.length]!,
    index: "1",
    version: "0",
    policyVersion: "1",
    itemId: randomUUID(),
    stateId: w.stateId,
    frameId: w.frameId,
    tokenId: randomUUID(),
    userId: w.ids.outsider,
    inviteId: randomUUID(),
    labelId: randomUUID(),
  };
  let p = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no sample value for {${name}} in ${op.path}`);
    return v;
  });
  if (op.operationId === "deleteProject" && (who === "lead" || who === "admin")) p = op.path.replace("{projectId}", w.doomed[who]);
  if (p.endsWith("/datasets/diff")) p += "?from=0&to=0";
  if (p.endsWith("/datasets/import")) p += "?format=jsonl";
  const key = `${op.method.toUpperCase()} ${op.path}`;
  const unique = `${who}-${randomUUID().slice(0, 8)}`;
  const bodies: Record<string, unknown> = {
    "POST /api/v1/auth/signup": { name: "Matrix", email: `matrix-${unique}@example.test`, password: "long enough password" },
    "POST /api/v1/auth/login": { email: w.extraEmail, password: "long enough password" },
    "POST /api/v1/tokens": { name: `matrix ${unique}` },
    // A wrong current password: the change is refused (400) after authorisation, and nobody's password changes.
    "POST /api/v1/me/password": { currentPassword: "not the password", newPassword: "another long password" },
    // The outsider is no admin: setting false changes nothing (and ends no session).
    "PATCH /api/v1/users/{userId}": { isAdmin: false },
    "POST /api/v1/invites": { note: `matrix ${unique}`, expiresInDays: 1 },
    "POST /api/v1/projects": { name: `Matrix ${unique}`, external: EXTERNAL, settings: SETTINGS },
    "PATCH /api/v1/projects/{projectId}": { description: `touched by ${who}` },
    "POST /api/v1/projects/{projectId}/members": { email: w.extraEmail, role: "viewer" },
    "POST /api/v1/projects/{projectId}/demonstrations": { source: "teleop", episodes: [{ steps: [{ observation: [0.1, 0.2], action: 1 }] }] },
    "POST /api/v1/projects/{projectId}/rollouts": { steps: [{ observation: [0.3, -0.3], policyAction: 2 }] },
    "POST /api/v1/projects/{projectId}/rounds": {},
    "POST /api/v1/projects/{projectId}/tasks/next": {},
    "POST /api/v1/tasks/{taskId}/labels": { id: randomUUID(), action: 1 },
    "POST /api/v1/projects/{projectId}/tasks/ride": { maxTasks: 1 },
    "POST /api/v1/projects/{projectId}/comments": { stateId: w.stateId, body: `comment by ${who}` },
    "POST /api/v1/projects/{projectId}/review/{itemId}": { decision: "exclude" },
    "PATCH /api/v1/projects/{projectId}/quality/settings": { goldAccuracyThreshold: 0.7 },
    "POST /api/v1/projects/{projectId}/gold": { stateId: w.stateId, action: 1 },
    "POST /api/v1/projects/{projectId}/gold/apply": { limit: 1 },
    "POST /api/v1/projects/{projectId}/policies/{policyVersion}/evaluations": { episodes: [{ return: 1, length: 1 }] },
    "POST /api/v1/projects/{projectId}/datasets/import": `${JSON.stringify({ episode: 0, t: 0, observation: [0, 0], action: 1 })}\n`,
  };
  if (key === "POST /api/v1/projects/{projectId}/frames") return { path: p, body: PNG, headers: { "content-type": "image/png" } };
  if (op.body && !(key in bodies)) throw new Error(`no sample body for ${key}: add one to the table`);
  return { path: p, ...(key in bodies ? { body: bodies[key] } : {}) };
}

/** State-changing operations that would end the labelling round go last, so every other one sees it open. */
const LAST = /\/(close|retry|publish|import)$|\?format/;
const ORDERED = [...OPERATIONS].sort((a, b) => Number(LAST.test(a.path)) - Number(LAST.test(b.path)));
/** An operation acts on `doomed` projects, not `projectId` (see `sample`). */
const DELETES_PROJECT = (op: OperationSpec) => op.operationId === "deleteProject";

const ENGINES = [
  { name: "pglite", enabled: true },
  { name: "postgres", enabled: POSTGRES_OK },
] as const;

describe.each(ENGINES)("authorisation matrix and fuzzing [$name]", ({ name, enabled }) => {
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  let dbUrl: string | undefined;
  let w: World;

  beforeAll(async () => {
    if (!enabled) return;
    const env: Record<string, string> = { DEMO: "1", NEXTAUTH_SECRET: SECRET };
    if (name === "postgres") {
      const scratch = await createScratchPostgres();
      drop = scratch.drop;
      dbUrl = scratch.url;
      env.DATABASE_URL = scratch.url;
    } else {
      env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-security-"));
    }
    server = await startServer(env);
    const base = server.url;
    const stamp = Date.now();
    const [lead, labeler, viewer, outsider, extra] = (await Promise.all(
      ["lead", "labeler", "viewer", "outsider", "extra"].map((n) => ApiClient.signUpAndLogin(base, n, `${n}-${stamp}@example.test`)),
    )) as ApiClient[] as [ApiClient, ApiClient, ApiClient, ApiClient, ApiClient];
    const adminLogin = await new ApiClient(base).call("POST", "/api/v1/auth/login", { email: "admin@corrective.local", password: "corrective" });
    expect(adminLogin.status).toBe(201);
    const admin = new ApiClient(base, adminLogin.body.data.token);
    const ours = await externalProjectInLabeling(lead, "Ours", SETTINGS);
    await outsider.ok("POST", "/api/v1/projects", { name: "Theirs", external: EXTERNAL, settings: SETTINGS });
    for (const [client, role] of [[labeler, "labeler"], [viewer, "viewer"]] as const) {
      await lead.ok("POST", `/api/v1/projects/${ours.id}/members`, { email: (await client.ok("GET", "/api/v1/me")).email, role });
    }
    const doomed = {
      lead: (await lead.ok("POST", "/api/v1/projects", { name: "Doomed by lead", external: EXTERNAL, settings: SETTINGS })).id,
      admin: (await lead.ok("POST", "/api/v1/projects", { name: "Doomed by admin", external: EXTERNAL, settings: SETTINGS })).id,
    };
    const frame = await lead.call("POST", `/api/v1/projects/${ours.id}/frames`, PNG, { "content-type": "image/png" });
    expect(frame.status).toBe(201);
    const clients = { anonymous: new ApiClient(base), outsider, viewer, labeler, lead, admin };
    const ids = {} as World["ids"];
    for (const who of ["outsider", "viewer", "labeler", "lead", "admin"] as const) ids[who] = (await clients[who].ok("GET", "/api/v1/me")).id;
    w = { base, clients, ids, projectId: ours.id, taskIds: ours.taskIds, stateId: ours.stateId, frameId: frame.body.data.id, doomed, extraEmail: (await extra.ok("GET", "/api/v1/me")).email, cookies: {} };
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it.skipIf(!enabled)("every route × every caller gets the outcome the rule table gives", async () => {
    const rows: { op: string; who: CallerKind; want: Outcome; got: string; status: number }[] = [];
    for (const op of ORDERED) {
      for (const who of CALLERS) {
        const req = sample(op, w, who);
        const res = await w.clients[who].call(op.method.toUpperCase(), req.path, req.body, req.headers ?? {});
        rows.push({ op: `${op.method.toUpperCase()} ${op.path}`, who, want: expected(op, who), got: observed(res), status: res.status });
      }
    }
    const wrong = rows.filter((r) => r.want !== r.got);
    expect(wrong).toEqual([]);
    // The table is not vacuous: every outcome occurs, and the matrix covers every operation.
    const outcomes = new Set(rows.map((r) => r.got));
    expect([...outcomes].sort()).toEqual(["allowed", "forbidden", "not-found", "unauthenticated"]);
    expect(rows).toHaveLength(OPERATIONS.length * CALLERS.length);
  }, 180_000);

  it.skipIf(!enabled)("every write route × the lead's session cookie: refused from another site before it acts, accepted from our own pages", async () => {
    await settled(w);
    const cookie = await sessionCookie(w, "lead");
    const requests = ORDERED.filter((o) => o.auth === "caller").map((op) => {
      const method = op.method.toUpperCase();
      const req = sample(op, w, "lead");
      const body = req.body === undefined ? undefined : req.body instanceof Uint8Array || typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      const type = req.headers?.["content-type"] ?? (typeof req.body === "string" ? "application/x-ndjson" : "application/json");
      const send = (headers: Record<string, string>) => w.clients.anonymous.call(method, req.path, body, { cookie, ...(body === undefined ? {} : { "content-type": type }), ...headers });
      return { op, method, name: `${method} ${op.path}`, send };
    });
    const rows: { op: string; how: string; status: number; code?: string }[] = [];
    // First every refusal, with the database's row counts compared around all of them (PostgreSQL)…
    const counts = dbUrl ? await tableCounter(dbUrl) : undefined;
    try {
      const before = await counts?.();
      for (const r of requests.filter((x) => x.method !== "GET")) {
        for (const [how, headers] of [
          ["foreign Origin", { origin: "http://evil.example", "sec-fetch-site": "cross-site" }],
          ["no Origin, Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
          ["no Origin, no Sec-Fetch-Site", {}],
        ] as const) {
          rows.push({ op: r.name, how, ...outcomeOf(await r.send(headers)) });
        }
      }
      if (counts) expect(await counts()).toEqual(before);
    } finally {
      await counts?.close();
    }
    // …then the same cookie from our own pages (writes that would end the round left out), and reads from anywhere:
    // another site cannot read the answer, so reads are answered.
    for (const r of requests) {
      if (r.method === "GET") rows.push({ op: r.name, how: "read from another site", ...outcomeOf(await r.send({ origin: "http://evil.example" })) });
      // (Sign out everywhere would end this very cookie, and the lead is no site admin: the matrix covers both.)
      else if (!LAST.test(r.op.path) && r.name !== "DELETE /api/v1/me/sessions" && !r.op.siteAdmin) rows.push({ op: r.name, how: "our own page", ...outcomeOf(await r.send({ origin: w.base, "sec-fetch-site": "same-origin" })) });
    }
    const wrong = rows.filter((r) =>
      r.how === "our own page" || r.how === "read from another site" ? r.status === 401 || r.status === 403 || r.status >= 500 : r.status !== 403 || r.code !== "FORBIDDEN",
    );
    expect(wrong).toEqual([]);
    expect(rows.filter((r) => r.how === "foreign Origin").length).toBeGreaterThan(20);
  }, 180_000);

  it.skipIf(!enabled)("fuzzed Origin, Sec-Fetch-Site and content types on a cookie write: only our own pages with a non-form type get through, never a 500", async () => {
    const cookie = await sessionCookie(w, "lead");
    const counts = dbUrl ? await tableCounter(dbUrl) : undefined;
    const url = `/api/v1/projects/${w.projectId}/comments`;
    await settled(w);
    const origin = fc.oneof(
      fc.constant(w.base),
      fc.constant("http://evil.example"),
      fc.constant(w.base.replace("http:", "https:")),
      fc.constant(`${w.base}.evil.example`),
      fc.constant("null"),
      fc.webUrl().map((u) => new URL(u).origin),
      fc.stringMatching(/^[a-z][a-z0-9:/.-]{0,29}$/),
      fc.constant(undefined),
    );
    const site = fc.constantFrom("same-origin", "same-site", "cross-site", "none", "bogus", undefined);
    const type = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", undefined);
    let passed = 0;
    try {
      await fc.assert(
        fc.asyncProperty(origin, site, type, async (o, s, t) => {
          const headers: Record<string, string> = { cookie };
          if (o !== undefined) headers.origin = o;
          if (s !== undefined) headers["sec-fetch-site"] = s;
          const before = await counts?.();
          const res = await fetch(`${w.base}${url}`, { method: "POST", headers: t === undefined ? headers : { ...headers, "content-type": t }, body: new Blob([JSON.stringify({ stateId: w.stateId, body: "fuzzed" })]) });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
          const ours = o !== undefined ? o === w.base : s === "same-origin" || s === "none";
          const simple = t === undefined || /^(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)/.test(t);
          expect(res.status, `${o} ${s} ${t}`).toBe(!ours ? 403 : simple ? 415 : 201);
          if (res.status === 201) passed++;
          else if (counts) expect(await counts()).toEqual(before);
        }),
        { numRuns: dbUrl ? 150 : 60, seed: 20261205 },
      );
    } finally {
      await counts?.close();
    }
    expect(passed).toBeGreaterThan(0);
  }, 120_000);

  it.skipIf(!enabled)("fuzzed methods on every API path: 405 with Allow for a method the path does not take, never a 500", async () => {
    // One concrete path per operation (sample() draws fresh ids for some parameters).
    const concrete = new Map(ORDERED.filter((op) => !DELETES_PROJECT(op)).map((op) => [op, sample(op, w, "lead").path.split("?")[0]!]));
    const paths = [...new Set(concrete.values())];
    const takes = new Set([...concrete].map(([op, p]) => `${op.method.toUpperCase()} ${p}`));
    takes.add(`DELETE /api/v1/projects/${w.projectId}`); // the project route takes DELETE: never fuzz it onto `ours`
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "POST", "PROPFIND", "MKCOL", "LOCK", "PURGE", "FOO", "SEARCH"), async (p, method) => {
        // Only methods the path does not take: the others act, and the matrix covers them.
        fc.pre(!takes.has(`${method} ${p}`));
        const res = await w.clients.lead.call(method, p, method === "DELETE" || method === "GET" ? undefined : {});
        expect(res.status, `${method} ${p}`).toBe(405);
        expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
        const allow = res.headers.get("allow")?.split(", ") ?? [];
        expect(allow).toContain("OPTIONS");
        expect(allow).not.toContain(method);
        for (const m of allow.filter((x) => x !== "OPTIONS" && x !== "HEAD")) expect(takes.has(`${m} ${p}`), `${p} allows ${m}`).toBe(true);
      }),
      { numRuns: 150, seed: 20261205 },
    );
  }, 120_000);

  it.skipIf(!enabled)("socket events: anonymous refused at the handshake, non-members not found, members joined", async () => {
    const outcomes: Record<string, string> = {};
    const sockets: Client[] = [];
    onTestFinished(() => sockets.forEach((s) => s.disconnect()));
    for (const who of CALLERS) {
      const socket = await openSocket(w, who);
      if (typeof socket !== "string") sockets.push(socket);
      if (who === "anonymous") {
        expect(socket).toBe("UNAUTHENTICATED");
        outcomes[who] = "unauthenticated";
        continue;
      }
      if (typeof socket === "string") throw new Error(`${who} could not connect: ${socket}`);
      const join = await socket.emitWithAck("project:join", { projectId: w.projectId });
      outcomes[who] = join.ok ? "allowed" : join.error.code === "NOT_FOUND" ? "not-found" : join.error.code;
      if (join.ok) expect((await socket.emitWithAck("project:leave", { projectId: w.projectId })).ok).toBe(true);
    }
    expect(outcomes).toEqual({ anonymous: "unauthenticated", outsider: "not-found", viewer: "allowed", labeler: "allowed", lead: "allowed", admin: "allowed" });
  });

  it.skipIf(!enabled)("thousands of malformed bodies: never a 500, never a partial write, the server stays up", async () => {
    await settled(w);
    const withBody = ORDERED.filter((op) => op.body && !LAST.test(op.path));
    // On PostgreSQL every refused request is also checked for a partial write; PGlite runs fewer, as a smoke.
    const RUNS = dbUrl ? 60 : 25;
    const counts = dbUrl ? await tableCounter(dbUrl) : undefined;
    let sent = 0;
    const failures: string[] = [];
    try {
      for (const op of withBody) {
        const key = `${op.method.toUpperCase()} ${op.path}`;
        const req = sample(op, w, "lead");
        await fc.assert(
          fc.asyncProperty(malformed(req.body), async (body) => {
            const before = await counts?.();
            const res = await w.clients.lead.call(op.method.toUpperCase(), req.path, body, { "content-type": "application/json" });
            sent++;
            if (res.status >= 500) failures.push(`${key} ${res.status} for ${String(body).slice(0, 120)}`);
            expect(res.status).toBeLessThan(500);
            expect(res.body?.error?.code ?? (res.status < 300 ? "ok" : "missing")).not.toBe("missing");
            if (counts && res.status >= 400) expect(await counts()).toEqual(before);
          }),
          { numRuns: RUNS, seed: 20261201, endOnFailure: true },
        );
      }
    } finally {
      await counts?.close();
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(withBody.length * RUNS);
    expect((await w.clients.anonymous.call("GET", "/api/health")).status).toBe(200);
  }, 240_000);

  it.skipIf(!enabled)("malformed socket payloads are refused through the acknowledgement, and the socket stays usable", async () => {
    const socket = await openSocket(w, "labeler");
    if (typeof socket === "string") throw new Error(socket);
    onTestFinished(() => void socket.disconnect());
    const events = ["project:join", "project:leave"] as const;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), fc.oneof(fc.anything(), fc.record({ projectId: fc.oneof(fc.string(), fc.uuid(), fc.anything()) })), async (event, payload) => {
        const ack = await socket.timeout(5000).emitWithAck(event, payload as never);
        if (!ack.ok) refused++;
        expect(typeof ack.ok).toBe("boolean");
        if (!ack.ok) expect(["VALIDATION", "NOT_FOUND"]).toContain(ack.error.code);
      }),
      { numRuns: 300, seed: 20261201 },
    );
    expect(refused).toBeGreaterThan(250);
    // Still connected and still answering a good payload.
    expect(socket.connected).toBe(true);
    expect((await socket.emitWithAck("project:join", { projectId: w.projectId })).ok).toBe(true);
  }, 120_000);
});

/** Malformed variants of a valid body: random JSON, the body with one field replaced, and text that is not JSON. */
function malformed(valid: unknown): fc.Arbitrary<string> {
  const json = fc.jsonValue().map((v) => JSON.stringify(v));
  const hostile = fc.constantFrom("{", "[1,", '{"a":}', "null", "\u0000", "'; drop table users; --", "<script>alert(1)</script>", '{"__proto__":{"x":1}}', "9".repeat(400), '"\\ud800"');
  if (valid === null || typeof valid !== "object" || Array.isArray(valid)) return fc.oneof(json, hostile);
  const fields = Object.keys(valid as object);
  const replaced = fc
    .record({ field: fields.length ? fc.constantFrom(...fields) : fc.string(), value: fc.oneof(fc.jsonValue(), fc.string({ maxLength: 2000 })) })
    .map(({ field, value }) => JSON.stringify({ ...(valid as object), [field]: value }));
  const extra = fc.string({ minLength: 1, maxLength: 20 }).map((k) => JSON.stringify({ ...(valid as object), [`x${k}`]: 1 }));
  return fc.oneof(json, hostile, replaced, extra);
}

/**
 * Row counts of every table in the scratch database, read directly (not through the server). `rate_limits` is
 * left out: counting a refused attempt (a failed login) is the one write a refused request must make.
 */
async function tableCounter(url: string): Promise<(() => Promise<Record<string, number>>) & { close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables = (await client.query<{ t: string }>("select quote_ident(tablename) as t from pg_tables where schemaname = 'public' and tablename <> 'rate_limits' order by 1")).rows.map((r) => r.t);
  const sql = `select ${tables.map((t, i) => `(select count(*) from ${t})::int as c${i}`).join(", ")}`;
  const fn = async () => {
    const row = (await client.query(sql)).rows[0] as Record<string, number>;
    return Object.fromEntries(tables.map((t, i) => [t, row[`c${i}`]!]));
  };
  return Object.assign(fn, { close: () => client.end() });
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The matrix closed a round and imported a dataset: wait for those jobs, so that nothing else writes while row counts are compared. */
async function settled(w: World): Promise<void> {
  await waitFor("the round loop to settle", async () => {
    const rounds = (await w.clients.lead.ok("GET", `/api/v1/projects/${w.projectId}/rounds`)) as { status: string }[];
    return rounds.every((r) => !["aggregating", "training", "evaluating"].includes(r.status));
  }, 180_000, 250);
}

/** The caller's next-auth session cookie, as the browser holds it after sign-in. */
async function sessionCookie(w: World, who: Exclude<CallerKind, "anonymous">): Promise<string> {
  // Signed in for real, once per caller: the matrix's "sign out everywhere" and password calls bump session epochs
  // (a cookie minted with epoch 0 would be refused), and the fuzzing's failed logins later slow sign-in down.
  const cached = w.cookies[who];
  if (cached) return cached;
  const me = await w.clients[who].ok("GET", "/api/v1/me");
  const signedIn = await signInCookie(w.base, me.email, who === "admin" ? "corrective" : "long enough password");
  if (!signedIn.cookie) throw new Error(`${who} could not sign in`);
  return (w.cookies[who] = signedIn.cookie);
}

const outcomeOf = (res: { status: number; body: any }) => ({ status: res.status, ...(res.body?.error?.code ? { code: String(res.body.error.code) } : {}) });

/** A socket.io client with the caller's next-auth session cookie; a refused handshake returns its message. */
async function openSocket(w: World, who: CallerKind): Promise<Client | string> {
  const cookie = who === "anonymous" ? undefined : await sessionCookie(w, who);
  const socket: Client = connect(w.base, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: cookie ? { cookie } : {}, reconnection: false });
  return new Promise((resolve) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.disconnect();
      resolve(err.message);
    });
  });
}
