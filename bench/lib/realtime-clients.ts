/**
 * A process of socket.io clients for `bench/realtime.ts`: COUNT clients on 127.0.0.1:PORT join PROJECT_ID
 * with COOKIE, then record when each project event arrives (wall-clock ms: `performance.timeOrigin +
 * performance.now()`, comparable between processes of one machine). Over IPC it says `ready`, says `complete`
 * with an event's key once every client has it, and on `report` sends all arrival times and exits.
 */
import { io as connect, type Socket } from "socket.io-client";
import { REALTIME_PATH, type ClientToServerEvents, type ServerToClientEvents } from "../../contracts/realtime";
import { eventKey } from "./realtime-events";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const { PORT, COUNT, PROJECT_ID, COOKIE } = process.env;
const count = Number(COUNT);
const send = (m: unknown) => process.send?.(m);

const arrivals = new Map<string, number[]>();
const clients: Client[] = [];
for (let i = 0; i < count; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, count - i) }, async () => {
      const c: Client = connect(`http://127.0.0.1:${PORT}`, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie: COOKIE ?? "" }, reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        c.once("connect", () => resolve());
        c.once("connect_error", reject);
      });
      const joined = await c.emitWithAck("project:join", { projectId: PROJECT_ID ?? "" });
      if (!joined.ok) throw new Error(`join failed: ${joined.error.message}`);
      c.on("project:event", (e) => {
        const at = performance.timeOrigin + performance.now();
        const key = eventKey(e);
        const list = arrivals.get(key) ?? [];
        list.push(at);
        arrivals.set(key, list);
        if (list.length === count) send({ complete: key });
      });
      return c;
    }),
  );
  clients.push(...batch);
}
send({ ready: true });
process.on("message", (m: { report?: boolean }) => {
  if (!m.report) return;
  for (const c of clients) c.disconnect();
  process.send?.({ arrivals: Object.fromEntries(arrivals) }, () => process.exit(0));
});
