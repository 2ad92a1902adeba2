/**
 * socket.io and sessions: a handshake is accepted with the same session cookie (and the same checks) as a page,
 * and a connected socket is checked again every SESSION_CHECK_TTL_MS — one query for all users connected to
 * this node, read fresh (which also refreshes the cache the HTTP paths use) — so a socket whose session was revoked (sign out everywhere, password change, demotion) or whose
 * user was deleted is disconnected within that window, and a demoted admin's socket loses admin rights.
 */
import type { Db } from "../../db/client";
import { SESSION_CHECK_TTL_MS, sessionRows } from "../auth/check-session";
import type { SessionUser } from "../auth/session";
import { sessionFromCookieHeader } from "../auth/session-cookie";

export { parseCookies } from "../auth/session-cookie";

/** What a socket keeps about its session. */
export interface SocketSession {
  user: SessionUser;
  /** The session epoch of the cookie it connected with. */
  epoch: number;
}

interface WatchedSocket {
  data: Partial<SocketSession>;
  disconnect(close?: boolean): unknown;
}

/** The session behind a handshake's cookie, or null (the handshake is then refused with UNAUTHENTICATED). */
export function handshakeSession(db: Db, cookie: string | undefined, secret: string): Promise<SocketSession | null> {
  return sessionFromCookieHeader(db, cookie, secret);
}

/** Checks sockets against the database now: disconnects those whose session ended, refreshes the others' user. */
export async function recheckSockets(db: Db, sockets: Iterable<WatchedSocket>): Promise<number> {
  const list = [...sockets].filter((s) => s.data.user);
  if (!list.length) return 0;
  const ids = [...new Set(list.map((s) => s.data.user!.id))];
  const rows = new Map((await sessionRows(db, ids, 0)).map((row, i) => [ids[i]!, row]));
  let dropped = 0;
  for (const s of list) {
    const row = rows.get(s.data.user!.id);
    if (!row || row.epoch !== s.data.epoch) {
      s.disconnect(true);
      dropped++;
    } else {
      s.data.user = { id: s.data.user!.id, email: row.email, name: row.name, isAdmin: row.isAdmin };
    }
  }
  return dropped;
}

/** Re-checks `sockets()` every `everyMs` until the returned stop function is called. A failed check (database away) is retried next tick. */
export function watchSocketSessions(db: Db, sockets: () => Iterable<WatchedSocket>, everyMs = SESSION_CHECK_TTL_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    recheckSockets(db, sockets())
      .catch(() => {})
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
