/**
 * `npm run bench:realtime` — 500 socket.io clients in one project room on one node: time from a server
 * event (round progress, policy published) to its receipt at every client, p50/p99. Goal: p99 ≤ 50 ms.
 *
 * The real realtime server (server/realtime/attach-realtime.ts: cookie auth, zod-validated join, project
 * authorisation, the domain event bus) on a loopback port; clients and server share this process and clock.
 */
import http from "node:http";
import { encode } from "next-auth/jwt";
import { io as connect, type Socket } from "socket.io-client";
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { REALTIME_PATH, type ClientToServerEvents, type ProjectEvent, type ServerToClientEvents } from "../contracts/realtime";
import { parseConfig } from "../server/config";
import { attachRealtime } from "../server/realtime/attach-realtime";
import { publish } from "../server/realtime/bus";
import { makeProject, makeUser } from "../tests/helpers/fixtures";
import { saveResults } from "./lib/results";
import { summarize } from "./lib/stats";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50);

const database = await openDatabase({ dataDir: "memory://" });
await migrateDatabase(database.db);
const config = parseConfig({ DEMO: "1" });
const user = await makeUser(database.db, "Bench");
const projectId = await makeProject(database.db, [[user, "labeler"]]);
const server = http.createServer();
const io = attachRealtime(server, { config, database, version: "bench", startedAt: new Date() });
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as { port: number }).port;
const cookie = `next-auth.session-token=${await encode({ token: { sub: user.id, email: user.email, name: user.name }, secret: config.authSecret })}`;

console.log(`[bench:realtime] connecting ${CLIENTS} clients…`);
const clients: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
for (let i = 0; i < CLIENTS; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, CLIENTS - i) }, async () => {
      const c: Socket<ServerToClientEvents, ClientToServerEvents> = connect(`http://127.0.0.1:${port}`, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie }, reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        c.once("connect", () => resolve());
        c.once("connect_error", reject);
      });
      const joined = await c.emitWithAck("project:join", { projectId });
      if (!joined.ok) throw new Error(`join failed: ${joined.error.message}`);
      return c;
    }),
  );
  clients.push(...batch);
}

const latencies: number[] = [];
const lastArrival: number[] = [];
for (const kind of ["round:progress", "policy:published"] as const) {
  for (let e = 0; e < EVENTS; e++) {
    const sentAt = performance.now();
    let received = 0;
    let last = 0;
    const all = new Promise<void>((resolve) => {
      for (const c of clients) {
        c.once("project:event", () => {
          const now = performance.now();
          latencies.push(now - sentAt);
          last = now;
          if (++received === clients.length) resolve();
        });
      }
    });
    const event: ProjectEvent =
      kind === "round:progress"
        ? { type: "round:progress", projectId, roundIndex: 1, progress: { tasksTotal: 500, tasksDone: e, labels: e } }
        : { type: "policy:published", projectId, roundIndex: 1, policyId: "00000000-0000-4000-8000-000000000000", version: e + 1, metrics: { meanReturn: 500 } };
    publish([event]);
    await all;
    lastArrival.push(last - sentAt);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const each = summarize(latencies);
const fanout = summarize(lastArrival);
for (const c of clients) c.disconnect();
await new Promise<void>((r) => io.close(() => r()));
await database.close();

const r2 = (x: number) => Math.round(x * 100) / 100;
const md = saveResults("realtime", {
  title: `socket.io fan-out: ${CLIENTS} clients in one project room, one node`,
  rows: [
    { measure: "per-client delivery (ms)", n: each.n, p50: r2(each.p50), p95: r2(each.p95), p99: r2(each.p99) },
    { measure: "last client of each event (ms)", n: fanout.n, p50: r2(fanout.p50), p95: r2(fanout.p95), p99: r2(fanout.p99) },
  ],
  notes: [
    `${EVENTS} round:progress and ${EVENTS} policy:published events published on the domain event bus (server/realtime/bus.ts), forwarded by attachRealtime to the project room over websocket.`,
    "Server and all clients share this process and its event loop on a 2-core machine, so client-side decoding is part of the figure.",
    `Goal p99 ≤ 50 ms per delivery: ${each.p99 <= 50 ? "met" : "MISSED"} (${r2(each.p99)} ms).`,
    "Two web processes over @socket.io/postgres-adapter: not measured here (see docs).",
  ],
});
console.log(md);
process.exit(0);
