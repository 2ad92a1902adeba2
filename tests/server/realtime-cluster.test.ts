/**
 * Realtime across processes on PostgreSQL: two real server processes (`npm start`) on one database —
 * A runs the jobs (IN_PROCESS_JOBS=1), B is web-only (IN_PROCESS_JOBS=0) — with a socket.io client on each.
 * Events caused on one process (an API call on B, the jobs on A, a comment on A) reach the client on the
 * other once, never twice; presence lists the members connected to either process, and forgets one that
 * left. Then A stops (its members leave B's presence) and a separate `npm run trainer` worker runs the jobs:
 * their events reach B's client once. The relay and the presence exchange are
 * server/realtime/postgres-relay.ts and cluster-presence.ts.
 *
 * Embedded PGlite is private to one process: PostgreSQL only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { REALTIME_PATH, type ClientToServerEvents, type PresenceUser, type ProjectEvent, type ServerToClientEvents } from "../../contracts/realtime";
import { ApiClient, waitFor } from "../helpers/api-client";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { ROOT, startServer, type ServerProcess } from "../helpers/server-process";
import { mintSessionCookie } from "../helpers/session-cookie";

const SECRET = "integration-secret-0123456789";
const SETTINGS = { statesPerRound: 20, labelsPerState: 1, rolloutEpisodes: 2, evalEpisodes: 2, epochs: 5, batchSize: 32, hiddenUnits: [16] };

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A connected socket with everything it received. */
interface Watcher {
  socket: Client;
  events: ProjectEvent[];
  presence: PresenceUser[][];
}

async function watch(base: string, api: ApiClient): Promise<Watcher> {
  const me = await api.ok("GET", "/api/v1/me");
  const cookie = await mintSessionCookie(me, SECRET);
  const socket: Client = connect(base, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie }, reconnection: false, forceNew: true });
  const w: Watcher = { socket, events: [], presence: [] };
  socket.on("project:event", (e) => w.events.push(e));
  socket.on("presence:update", (p) => w.presence.push(p.users));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return w;
}

const names = (users: PresenceUser[] | undefined) => (users ?? []).map((u) => u.name);
const lastPresence = (w: Watcher) => names(w.presence.at(-1));

describe("realtime across two server processes [postgres]", () => {
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  let trainer: ChildProcess | undefined;
  let env: Record<string, string> = {};
  const sockets: Client[] = [];
  const stamp = Date.now();
  let lead: ApiClient, bob: ApiClient;
  let onA: Watcher;

  beforeAll(async () => {
    if (!POSTGRES_OK) return;
    const scratch = await createScratchPostgres();
    drop = scratch.drop;
    // Migrate once up front so the two processes start side by side without racing on the schema.
    const database = await openDatabase({ url: scratch.url, poolSize: 1 });
    await migrateDatabase(database.db);
    await database.close();
    env = { DATABASE_URL: scratch.url, NEXTAUTH_SECRET: SECRET };
    [a, b] = await Promise.all([startServer({ ...env, IN_PROCESS_JOBS: "1" }), startServer({ ...env, IN_PROCESS_JOBS: "0" })]);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    const worker = trainer;
    const trainerExited = worker && worker.exitCode === null ? new Promise((r) => worker.once("exit", r)) : undefined;
    worker?.kill("SIGTERM");
    await Promise.all([a?.stop(), b?.stop(), trainerExited]);
    await drop?.();
  });

  it.skipIf(!POSTGRES_OK)("delivers each event once to the clients of both processes and shares presence", async () => {
    if (!a || !b) throw new Error("servers not started");
    lead = await ApiClient.signUpAndLogin(a.url, "Alice", `alice-cluster-${stamp}@example.test`);
    bob = await ApiClient.signUpAndLogin(b.url, "Bob", `bob-cluster-${stamp}@example.test`);
    const project = await lead.ok("POST", "/api/v1/projects", { name: "cluster", envId: "CartPole-v1", settings: SETTINGS });
    await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: `bob-cluster-${stamp}@example.test`, role: "labeler" });
    onA = await watch(a.url, lead);
    const onB = await watch(b.url, bob);
    sockets.push(onA.socket, onB.socket);

    // Presence: Alice joins on A, Bob on B; each sees both.
    const aliceJoin = await onA.socket.emitWithAck("project:join", { projectId: project.id, view: "overview" });
    expect(aliceJoin).toEqual({ ok: true, data: { users: [{ id: expect.any(String), name: "Alice", views: ["overview"] }] } });
    const bobJoin = await waitFor("Bob's node to know Alice is present", async () => {
      const r = await onB.socket.emitWithAck("project:join", { projectId: project.id, view: "label" });
      return r.ok && r.data.users.length === 2 ? r : null;
    }, 10_000, 100);
    expect(bobJoin.ok && bobJoin.data.users).toEqual([
      { id: expect.any(String), name: "Alice", views: ["overview"] },
      { id: expect.any(String), name: "Bob", views: ["label"] },
    ]);
    await waitFor("Alice to see Bob (on the other process)", async () => lastPresence(onA).join() === "Alice,Bob", 10_000, 50);
    // Malformed payloads are still refused on either process.
    expect(await onB.socket.emitWithAck("project:join", { projectId: "nope" } as never)).toMatchObject({ ok: false, error: { code: "VALIDATION" } });

    // Round 0 started through B (web-only): its status reaches A; A's jobs then run it, and their events reach B.
    const started = await new ApiClient(b.url, lead.token).ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
    expect(started).toMatchObject({ index: 0, status: "collecting" });
    const published = await waitFor("policy published to B's client", async () => onB.events.find((e) => e.type === "policy:published"), 60_000, 50);
    expect(published).toMatchObject({ projectId: project.id, roundIndex: 0 });
    const rollout = onB.events.find((e) => e.type === "rollout:added");
    if (rollout?.type !== "rollout:added") throw new Error("no rollout:added reached B");

    // A comment through A (longer than one NOTIFY: 4000 two-byte characters) reaches Bob on B intact.
    const body = `${"é".repeat(3990)} done`;
    const comment = await lead.ok("POST", `/api/v1/projects/${project.id}/comments`, { rolloutId: rollout.rolloutId, body });
    await waitFor("the comment on B", async () => onB.events.some((e) => e.type === "comment:added"), 10_000, 50);
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up

    for (const w of [onA, onB]) {
      const of = (type: ProjectEvent["type"]) => w.events.filter((e) => e.type === type);
      expect(of("round:status").filter((e) => e.type === "round:status" && e.status === "collecting")).toHaveLength(1);
      expect(of("policy:published")).toHaveLength(1);
      expect(of("comment:added")).toHaveLength(1);
      const seen = of("comment:added")[0];
      expect(seen?.type === "comment:added" && seen.comment).toMatchObject({ id: comment.id, body });
      // Every event exactly once: no two identical deliveries.
      const keys = w.events.map((e) => JSON.stringify(e));
      expect(keys.length).toBe(new Set(keys).size);
    }
    // Both clients got the same events, whichever process published them.
    const all = (w: Watcher) => w.events.map((e) => JSON.stringify(e)).sort();
    expect(all(onA)).toEqual(all(onB));

    // Bob leaves (disconnects from B): Alice, on A, sees him go.
    onB.socket.disconnect();
    await waitFor("Alice to see Bob leave", async () => lastPresence(onA).join() === "Alice", 10_000, 50);
  }, 90_000);

  it.skipIf(!POSTGRES_OK)("relays a separate trainer worker's events, and forgets the members of a node that stopped", async () => {
    if (!a || !b || !onA) throw new Error("the first test did not run");
    const project = await lead.ok("POST", "/api/v1/projects", { name: "cluster-trainer", envId: "CartPole-v1", settings: SETTINGS });
    await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: `bob-cluster-${stamp}@example.test`, role: "labeler" });
    await onA.socket.emitWithAck("project:join", { projectId: project.id });
    const onB = await watch(b.url, bob);
    sockets.push(onB.socket);
    await waitFor("Bob to see Alice", async () => {
      const r = await onB.socket.emitWithAck("project:join", { projectId: project.id });
      return r.ok && r.data.users.length === 2;
    }, 10_000, 100);

    // A stops: B's client sees Alice go (A says so on the way out; no waiting for its heartbeat to expire).
    expect(await a.stop()).toBe(0);
    await waitFor("Bob to see Alice leave", async () => lastPresence(onB).join() === "Bob", 5_000, 50);

    // Now only a trainer worker takes jobs; its events reach Bob on B (web-only), once.
    const worker = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/trainer-main.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    trainer = worker;
    let out = "";
    worker.stdout.on("data", (d: Buffer) => (out += d.toString()));
    worker.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor("the trainer to start", async () => out.includes("taking jobs"), 30_000, 100).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${out}`);
    });
    await new ApiClient(b.url, lead.token).ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
    await waitFor("policy published to B's client", async () => onB.events.some((e) => e.type === "policy:published"), 60_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    const of = (type: ProjectEvent["type"]) => onB.events.filter((e) => e.type === type);
    expect(of("policy:published")).toHaveLength(1);
    expect(of("rollout:added").length).toBeGreaterThan(0);
    expect(of("round:status").map((e) => e.type === "round:status" && e.status)).toEqual(expect.arrayContaining(["collecting", "training", "published"]));
    const keys = onB.events.map((e) => JSON.stringify(e));
    expect(keys.length).toBe(new Set(keys).size);
  }, 90_000);
});
