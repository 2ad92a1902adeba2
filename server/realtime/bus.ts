/**
 * The event bus between the domain (services, jobs) and socket.io. Services publish *after* their
 * transaction commits; `attachRealtime` forwards each event to the project room of this process's sockets.
 * On PostgreSQL a relay (`postgres-relay.ts`) is installed as well: `publish` also sends the events to the
 * other processes (web nodes, trainer workers), whose relays hand them to `deliverLocally` there.
 * Bus and relay live on `globalThis` because route handlers (Next.js bundle) and the custom server (tsx)
 * load separate module copies.
 */
import { EventEmitter } from "node:events";
import type { ProjectEvent } from "../../contracts/realtime";

const KEY = Symbol.for("corrective.realtimeBus");
const RELAY_KEY = Symbol.for("corrective.realtimeRelay");

/** What `publish` needs of a relay (kept structural: the two module copies see one object). */
export interface EventRelay {
  send(message: { t: "events"; events: ProjectEvent[] }): Promise<void>;
}

type Globals = { [KEY]?: EventEmitter; [RELAY_KEY]?: EventRelay };

export function realtimeBus(): EventEmitter {
  const g = globalThis as Globals;
  if (!g[KEY]) {
    g[KEY] = new EventEmitter();
    g[KEY].setMaxListeners(100);
  }
  return g[KEY];
}

/** Installs (or, with `undefined`, removes) the cross-process relay of this process. */
export function setEventRelay(relay: EventRelay | undefined): void {
  (globalThis as Globals)[RELAY_KEY] = relay;
}

/** Hands events to this process's sockets only (used by the relay for events of other processes). */
export function deliverLocally(events: ProjectEvent[]): void {
  const bus = realtimeBus();
  for (const e of events) bus.emit("event", e);
}

/** Publishes committed events: to this process's sockets now, and through the relay to the other processes. */
export function publish(events: ProjectEvent[]): void {
  if (!events.length) return;
  deliverLocally(events);
  void (globalThis as Globals)[RELAY_KEY]?.send({ t: "events", events });
}
