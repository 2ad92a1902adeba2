/**
 * Turns on realtime between processes when the database is PostgreSQL: installs a relay on the event bus
 * (events published here also go to the other processes) and, on web nodes, listens for theirs.
 * The embedded database is private to one process: nothing to relay, so no relay.
 */
import type { Database } from "../../db/client";
import { deliverLocally, setEventRelay } from "./bus";
import { PostgresRelay } from "./postgres-relay";

export async function startRealtimeRelay(database: Database, { listen }: { listen: boolean }): Promise<PostgresRelay | undefined> {
  if (database.engine !== "postgres") return undefined;
  const relay = new PostgresRelay({ pool: database.pool, ...(listen ? { listenUrl: database.url } : {}) });
  relay.on("message", (_from, m) => {
    if (m.t === "events") deliverLocally(m.events);
  });
  setEventRelay(relay);
  await relay.start();
  return relay;
}

export async function stopRealtimeRelay(relay: PostgresRelay | undefined): Promise<void> {
  if (!relay) return;
  setEventRelay(undefined);
  await relay.close();
}
