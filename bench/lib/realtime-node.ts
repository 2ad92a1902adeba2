/**
 * A web node for `bench/realtime.ts`: the real realtime server (attachRealtime with the PostgreSQL relay) on
 * a loopback port, in a process of its own, on DATABASE_URL. Prints `listening <port>` once ready, publishes
 * each event its parent sends over IPC on its domain event bus (as a service of this node would), and stops
 * when its parent closes its stdin or sends SIGTERM.
 */
import http from "node:http";
import { openDatabase } from "../../db/client";
import { parseConfig } from "../../server/config";
import type { ProjectEvent } from "../../contracts/realtime";
import { attachRealtime } from "../../server/http/attach-realtime";
import { publish } from "../../server/realtime/bus";
import { startRealtimeRelay, stopRealtimeRelay } from "../../server/realtime/start-relay";

const config = parseConfig({ DEMO: "1", DATABASE_URL: process.env.DATABASE_URL });
if (!config.databaseUrl) throw new Error("DATABASE_URL is required");
const database = await openDatabase({ url: config.databaseUrl, poolSize: 4 });
const relay = await startRealtimeRelay(database, { listen: true });
const server = http.createServer();
const io = attachRealtime(server, { config, database, version: "bench", startedAt: new Date() }, { relay });
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
console.log(`listening ${(server.address() as { port: number }).port}`);

process.on("message", (m: { publish?: ProjectEvent }) => {
  if (m.publish) publish([m.publish]);
});

const stop = async () => {
  io.disconnectSockets(true);
  await new Promise<void>((r) => io.close(() => r()));
  await stopRealtimeRelay(relay);
  await database.close();
  process.exit(0);
};
process.stdin.on("end", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
