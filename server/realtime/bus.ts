/**
 * In-process event bus between the domain (services, jobs) and socket.io. Services publish *after* their
 * transaction commits; `attachRealtime` forwards each event to the project room. It lives on `globalThis`
 * because route handlers (Next.js bundle) and the custom server (tsx) load separate module copies.
 */
import { EventEmitter } from "node:events";
import type { ProjectEvent } from "../../contracts/realtime";

const KEY = Symbol.for("corrective.realtimeBus");

export function realtimeBus(): EventEmitter {
  const g = globalThis as { [KEY]?: EventEmitter };
  if (!g[KEY]) {
    g[KEY] = new EventEmitter();
    g[KEY].setMaxListeners(100);
  }
  return g[KEY];
}

export function publish(events: ProjectEvent[]): void {
  const bus = realtimeBus();
  for (const e of events) bus.emit("event", e);
}
