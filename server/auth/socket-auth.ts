/**
 * socket.io and sessions: a handshake is accepted with the same session cookie (and the same checks) as a page,
 * and a connected socket is checked again every SESSION_CHECK_TTL_MS — one query for all users connected to
 * this node, read fresh (which also refreshes the cache the HTTP paths use) — so a socket whose session was revoked (sign out everywhere, password change, demotion) or whose
 * user was deleted is disconnected within that window, and a demoted admin's socket loses admin rights.
 */
import type { Db } from "../../db/client";
import { SESSION_CHECK_TTL_MS, sessionRows } from "./check-session";
import type { Caller } from "./caller";
import { sessionFromCookieHeader } from "./session-cookie";
import { userForToken } from "./api-tokens";

export { parseCookies } from "./session-cookie";

/** What a socket keeps about its session. */
export interface SocketSession {
  user: Caller;
  /** The session epoch of the cookie it connected with; null for a socket that connected with an API token. */
  epoch: number | null;
  /** The API token it connected with (robots and API clients send `auth: { token }`). */
  token?: string;
}

interface WatchedSocket {
  data: Partial<SocketSession>;
  disconnect(close?: boolean): unknown;
}

/** The session behind a handshake's cookie, or null (the handshake is then refused with UNAUTHENTICATED). */
export function handshakeSession(db: Db, cookie: string | undefined, secret: string): Promise<SocketSession | null> {
  return sessionFromCookieHeader(db, cookie, secret);
}

/** The user behind an API token sent in the handshake's `auth`, or null (unknown, revoked or expired). */
export async function tokenSession(db: Db, token: string): Promise<SocketSession | null> {
  const user = await userForToken(db, token);
  return user && "id" in user ? { user, epoch: null, token } : null;
}

/** Checks sockets against the database now: disconnects those whose session ended, refreshes the others' user. */
export async function recheckSockets(db: Db, sockets: Iterable<WatchedSocket>): Promise<number> {
  const all = [...sockets].filter((s) => s.data.user);
  let dropped = 0;
  // Token sockets (few: robots, API clients): the token is looked up again, so revoking or expiry ends them too.
  for (const s of all.filter((x) => typeof x.data.token === "string")) {
    const again = await tokenSession(db, s.data.token!);
    if (!again) {
      s.disconnect(true);
      dropped++;
    } else {
      s.data.user = again.user;
    }
  }
  const list = all.filter((x) => typeof x.data.token !== "string");
  if (!list.length) return dropped;
  const ids = [...new Set(list.map((s) => s.data.user!.id))];
  const rows = new Map((await sessionRows(db, ids, 0)).map((row, i) => [ids[i]!, row]));
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
