/**
 * `npm run bench:realtime` — 500 socket.io clients in one project room: time from a server event (round
 * progress, policy published) to its receipt at every client, p50/p99. Goal: p99 ≤ 50 ms. Two set-ups:
 *
 * - one node: the real realtime server (server/http/attach-realtime.ts: cookie auth, zod-validated join,
 *   project authorisation, the domain event bus) on embedded PGlite, in this process;
 * - two web processes on PostgreSQL: nodes A and B are child processes (bench/lib/realtime-node.ts), both
 *   with the LISTEN/NOTIFY relay (server/realtime/postgres-relay.ts); half the clients on each; every event
 *   is published on A's bus (sent to A over IPC), so B's clients get it across processes.
 *
 * One node: the server and all clients share this process, its clock and its event loop (client decoding is
 * counted). Two processes: each node's clients live in a process of their own (bench/lib/realtime-clients.ts)
 * and time arrivals on the wall clock (`performance.timeOrigin + now()`); the time starts before the IPC
 * message that asks A to publish.
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test;
 * a scratch database is created there and dropped afterwards. Unreachable → that case is skipped, loudly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { openDatabase, type Database } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { REALTIME_PATH, type ClientToServerEvents, type ProjectEvent, type ServerToClientEvents } from "../contracts/realtime";
import { parseConfig } from "../server/config";
import { attachRealtime } from "../server/http/attach-realtime";
import { publish } from "../server/realtime/bus";
import { makeProject, makeUser } from "../tests/helpers/fixtures";
import { mintSessionCookie } from "../tests/helpers/session-cookie";
import { BENCH_EVENT_KINDS, benchEvent, eventKey } from "./lib/realtime-events";
import { saveResults, type Row } from "./lib/results";
import { summarize } from "./lib/stats";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const here = path.dirname(fileURLToPath(import.meta.url));
const config = parseConfig({ DEMO: "1" });

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
interface Fixture {
  projectId: string;
  cookie: string;
}

async function fixture(database: Database): Promise<Fixture> {
  const user = await makeUser(database.db, "Bench");
  const projectId = await makeProject(database.db, [[user, "labeler"]]);
  const cookie = await mintSessionCookie(user, config.authSecret);
  return { projectId, cookie };
}

async function listen(database: Database) {
  const server = http.createServer();
  const io = attachRealtime(server, { config, database, version: "bench", startedAt: new Date() });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { io, port: (server.address() as { port: number }).port };
}

async function connectClients(port: number, count: number, f: Fixture): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async () => {
        const c: Client = connect(`http://127.0.0.1:${port}`, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie: f.cookie }, reconnection: false, forceNew: true });
        await new Promise<void>((resolve, reject) => {
          c.once("connect", () => resolve());
          c.once("connect_error", reject);
        });
        const joined = await c.emitWithAck("project:join", { projectId: f.projectId });
        if (!joined.ok) throw new Error(`join failed: ${joined.error.message}`);
        return c;
      }),
    );
    clients.push(...batch);
  }
  return clients;
}

/** Publishes EVENTS of each kind on this process's bus; latencies per client group, and of each event's last client. */
async function measure(groups: Client[][], projectId: string, send: (e: ProjectEvent) => void): Promise<{ each: number[][]; last: number[] }> {
  const each = groups.map(() => [] as number[]);
  const last: number[] = [];
  const all = groups.flat().length;
  for (const kind of BENCH_EVENT_KINDS) {
    for (let e = 0; e < EVENTS; e++) {
      const sentAt = performance.now();
      let received = 0;
      let lastAt = 0;
      const done = new Promise<void>((resolve) => {
        groups.forEach((clients, g) => {
          for (const c of clients) {
            c.once("project:event", () => {
              const now = performance.now();
              each[g]!.push(now - sentAt);
              lastAt = now;
              if (++received === all) resolve();
            });
          }
        });
      });
      const event = benchEvent(kind, e, projectId);
      send(event);
      await done;
      last.push(lastAt - sentAt);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { each, last };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const row = (setup: string, measure: string, samples: number[]): Row => {
  const s = summarize(samples);
  return { setup, measure, n: s.n, p50: r2(s.p50), p95: r2(s.p95), p99: r2(s.p99) };
};

// — one node, embedded PGlite —
async function oneNode(): Promise<{ rows: Row[]; p99: number }> {
  const database = await openDatabase({ dataDir: "memory://" });
  await migrateDatabase(database.db);
  const f = await fixture(database);
  const { io, port } = await listen(database);
  console.log(`[bench:realtime] one node: connecting ${CLIENTS} clients…`);
  const clients = await connectClients(port, CLIENTS, f);
  const { each, last } = await measure([clients], f.projectId, (e) => publish([e]));
  for (const c of clients) c.disconnect();
  await new Promise<void>((r) => io.close(() => r()));
  await database.close();
  const setup = "one node (PGlite)";
  return { rows: [row(setup, "per-client delivery (ms)", each[0]!), row(setup, "last client of each event (ms)", last)], p99: summarize(each[0]!).p99 };
}

// — two web processes, PostgreSQL —
async function twoProcesses(): Promise<{ rows: Row[]; p99: number } | string> {
  const name = `corrective_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch (err) {
    await admin.end().catch(() => {});
    return `PostgreSQL unreachable at ${PG_URL} (${err instanceof Error ? err.message : String(err)})`;
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 2 });
  const nodes: ChildProcess[] = [];
  const startNode = async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "lib/realtime-node.ts")], {
      env: { ...process.env, DATABASE_URL: url.toString() },
      stdio: ["pipe", "pipe", "inherit", "ipc"],
    });
    nodes.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`bench node exited with ${code}`)));
    });
    return { child, port };
  };
  const startClients = async (port: number, count: number, f: Fixture) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "lib/realtime-clients.ts")], {
      env: { ...process.env, PORT: String(port), COUNT: String(count), PROJECT_ID: f.projectId, COOKIE: f.cookie },
      stdio: ["pipe", "inherit", "inherit", "ipc"],
    });
    nodes.push(child);
    const waiting = new Map<string, () => void>();
    child.on("message", (m: { complete?: string }) => {
      if (m.complete) waiting.get(m.complete)?.();
    });
    await new Promise<void>((resolve, reject) => {
      child.on("message", (m: { ready?: boolean }) => m.ready && resolve());
      child.once("exit", (code) => reject(new Error(`bench clients exited with ${code}`)));
    });
    return {
      count,
      /** Resolves once every client of this process has the event with this key. */
      complete: (key: string) => new Promise<void>((resolve) => waiting.set(key, resolve)),
      report: () =>
        new Promise<Record<string, number[]>>((resolve) => {
          child.on("message", (m: { arrivals?: Record<string, number[]> }) => m.arrivals && resolve(m.arrivals));
          child.send({ report: true });
        }),
    };
  };
  try {
    await migrateDatabase(database.db);
    const f = await fixture(database);
    const [a, b] = await Promise.all([startNode(), startNode()]);
    console.log(`[bench:realtime] two processes: connecting ${CLIENTS} clients (half to each, from two client processes)…`);
    const groups = await Promise.all([startClients(a.port, Math.ceil(CLIENTS / 2), f), startClients(b.port, Math.floor(CLIENTS / 2), f)]);
    await new Promise((r) => setTimeout(r, 1_000)); // presence updates of the joins settle
    const sentAt = new Map<string, number>();
    for (const kind of BENCH_EVENT_KINDS) {
      for (let e = 0; e < EVENTS; e++) {
        const event = benchEvent(kind, e, f.projectId);
        const key = eventKey(event);
        const done = Promise.all(groups.map((g) => g.complete(key)));
        sentAt.set(key, performance.timeOrigin + performance.now());
        a.child.send({ publish: event });
        await done;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const reports = await Promise.all(groups.map((g) => g.report()));
    const each = reports.map((r) => [...sentAt].flatMap(([key, at]) => (r[key] ?? []).map((t) => t - at)));
    const last = [...sentAt].map(([key, at]) => Math.max(...reports.flatMap((r) => r[key] ?? [])) - at);
    const setup = "two processes (PostgreSQL)";
    const everyone = [...each[0]!, ...each[1]!];
    return {
      rows: [
        row(setup, "per-client delivery (ms)", everyone),
        row(setup, "· clients on A, the publishing node (ms)", each[0]!),
        row(setup, "· clients on B, across processes (ms)", each[1]!),
        row(setup, "last client of each event (ms)", last),
      ],
      p99: summarize(everyone).p99,
    };
  } finally {
    await Promise.all(
      nodes.map((child) => {
        const exited = new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(null)));
        child.stdin?.end();
        return exited;
      }),
    );
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}

const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
const one = await oneNode();
const two = await twoProcesses();
if (typeof two === "string") console.warn(`\n!!! ${two}: the two-process case is SKIPPED !!!\n`);
const goal = (label: string, p99: number) => `Goal p99 ≤ 50 ms per delivery, ${label}: ${p99 <= 50 ? "met" : "MISSED"} (${r2(p99)} ms).`;

const md = saveResults("realtime", {
  title: `socket.io fan-out: ${CLIENTS} clients in one project room, on one node and on two web processes`,
  rows: [...one.rows, ...(typeof two === "string" ? [] : two.rows)],
  notes: [
    `${EVENTS} round:progress and ${EVENTS} policy:published events published on the domain event bus (server/realtime/bus.ts), forwarded by attachRealtime to the project room over websocket.`,
    "Two processes: nodes A and B are child processes (bench/lib/realtime-node.ts), each with half the clients. Each event is sent to A over IPC (the clock starts before) and published on A's bus; B receives it through PostgreSQL LISTEN/NOTIFY (server/realtime/postgres-relay.ts).",
    "One node: server and all clients share one process and its event loop on a 2-core machine, so client-side decoding is part of the figure. Two processes: the clients of each node run in a process of their own (bench/lib/realtime-clients.ts), timing on the wall clock shared by the processes; 5 busy processes (2 nodes, 2 client processes, PostgreSQL) share the 2 cores.",
    `1-minute load average ${loadAtStart} when the run started, on ${os.cpus().length} cores (other work on the machine skews these timings).`,
    goal("one node", one.p99),
    typeof two === "string" ? `Two processes: not measured (${two}).` : goal("two processes", two.p99),
  ],
});
console.log(md);
process.exit(0);
