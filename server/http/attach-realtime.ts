/**
 * socket.io on the web server's port. Each handler: validate (zod) → authorise (authorizeProject) → act →
 * acknowledge `{ ok, data } | { ok: false, error }`. One room per project; presence is broadcast on change.
 * With a relay (PostgreSQL, `start-relay.ts`), presence spans every web node (`cluster-presence.ts`) and
 * events published by other processes reach this node's rooms through the bus.
 */
import type http from "node:http";
import { Server, type Socket } from "socket.io";
import {
  REALTIME_PATH,
  ZJoinProject,
  projectRoom,
  type ClientToServerEvents,
  type PresenceUser,
  type ProjectEvent,
  type ServerToClientEvents,
} from "../../contracts/realtime";
import type { AppContext } from "../context";
import { authorizeProject } from "../auth/authorize-project";
import type { Caller } from "../auth/caller";
import { toAck } from "./respond";
import { originAllowed, originsOf } from "./same-origin";
import { realtimeBus } from "../realtime/bus";
import { ClusterPresence, mergePresence } from "../realtime/cluster-presence";
import type { PostgresRelay } from "../realtime/postgres-relay";
import { handshakeSession, recheckSockets, tokenSession, watchSocketSessions } from "../auth/socket-auth";

interface SocketData {
  user: Caller;
  /** The session epoch of the handshake's cookie (socket-auth.ts re-checks it); null for a token socket. */
  epoch: number | null;
  /** The API token a robot's socket connected with (re-checked like the cookie: revoked or expired → disconnected). */
  token?: string;
  projects: Set<string>;
  /** The view (page) this socket said it shows, per project. */
  views: Map<string, string>;
}

/** How long a dropped client may come back and get the events it missed (socket.io connection state recovery). */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface AttachRealtimeOptions {
  /** The process's relay (PostgreSQL): presence is then shared with the other web nodes. */
  relay?: PostgresRelay;
}

export function attachRealtime(server: http.Server, ctx: AppContext, options: AttachRealtimeOptions = {}): RealtimeServer {
  const io: RealtimeServer = new Server(server, {
    path: REALTIME_PATH,
    serveClient: false,
    // A client that reconnects within the window keeps its id, rooms and data and receives the missed events.
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
    // Every engine.io request (polling, the websocket upgrade, a recovered session) from a browser page must come
    // from one of the server's own origins, so another site cannot ride a signed-in user's cookie into a room
    // (docs/SECURITY.md, "Cross-site requests"). Refused here with 403, before any cookie is read.
    allowRequest: (req, fn) => fn(null, originAllowed(req.headers, originsOf(ctx))),
  });

  io.use(async (socket, next) => {
    // Browsers authenticate by the session cookie; API clients (robots, clients/typescript) by `auth: { token }`.
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let session;
    try {
      session = typeof token === "string" ? await tokenSession(ctx.database.db, token) : await handshakeSession(ctx.database.db, socket.handshake.headers.cookie, ctx.config.authSecret);
    } catch {
      return next(new Error("UNAVAILABLE"));
    }
    if (!session) return next(new Error("UNAUTHENTICATED"));
    socket.data.user = session.user;
    socket.data.epoch = session.epoch;
    socket.data.token = session.token;
    socket.data.projects = new Set();
    socket.data.views = new Map();
    next();
  });

  /** Who is in the project room on this node. */
  const localUsers = async (projectId: string): Promise<PresenceUser[]> => {
    const sockets = await io.in(projectRoom(projectId)).local.fetchSockets();
    return mergePresence(
      sockets.map((s) => {
        const view = s.data.views?.get(projectId);
        return [{ id: s.data.user.id, name: s.data.user.name, ...(view ? { views: [view] } : {}) }];
      }),
    );
  };
  const cluster = options.relay
    ? new ClusterPresence(options.relay, {
        projects: () => [...io.of("/").adapter.rooms.keys()].filter((r) => r.startsWith(projectRoom(""))).map((r) => r.slice(projectRoom("").length)),
        users: localUsers,
        changed: (projectId) => {
          if (io.of("/").adapter.rooms.get(projectRoom(projectId))?.size) void broadcastPresence(projectId, false);
        },
      })
    : undefined;
  /** Everyone in the project room, on every node. */
  const presence = async (projectId: string, local?: PresenceUser[]): Promise<PresenceUser[]> =>
    mergePresence([local ?? (await localUsers(projectId)), ...(cluster?.remote(projectId) ?? [])]);
  /** This node's presence in a project changed: tell the other nodes, and return the merged list. */
  const localChanged = async (projectId: string): Promise<PresenceUser[]> => {
    const local = await localUsers(projectId);
    void cluster?.announce(projectId, local);
    return presence(projectId, local);
  };
  const broadcastPresence = async (projectId: string, changedHere = true) => {
    const users = changedHere ? await localChanged(projectId) : await presence(projectId);
    io.to(projectRoom(projectId)).emit("presence:update", { projectId, users });
  };

  io.on("connection", (socket: RealtimeSocket) => {
    // A recovered socket skipped the handshake check: check its session now. It is back in its rooms: tell the
    // others it is present again.
    if (socket.recovered) {
      void recheckSockets(ctx.database.db, [socket]).catch(() => socket.disconnect(true));
      for (const projectId of socket.data.projects) void broadcastPresence(projectId);
    }

    socket.on("project:join", async (payload, ack) => {
      if (typeof ack !== "function") return;
      try {
        const { projectId, view } = ZJoinProject.parse(payload);
        await authorizeProject(ctx.database.db, socket.data.user, projectId, "viewer");
        await socket.join(projectRoom(projectId));
        socket.data.projects.add(projectId);
        if (view) socket.data.views.set(projectId, view);
        else socket.data.views.delete(projectId);
        const users = await localChanged(projectId);
        ack({ ok: true, data: { users } });
        socket.to(projectRoom(projectId)).emit("presence:update", { projectId, users });
      } catch (err) {
        ack(toAck(err));
      }
    });

    socket.on("project:leave", async (payload, ack) => {
      if (typeof ack !== "function") return;
      try {
        const { projectId } = ZJoinProject.parse(payload);
        if (!socket.data.projects.has(projectId)) {
          // Not in the room: nothing changes and nobody is told. A non-member hears "not found", as on join,
          // and cannot make a room receive presence updates.
          await authorizeProject(ctx.database.db, socket.data.user, projectId, "viewer");
          ack({ ok: true, data: null });
          return;
        }
        await socket.leave(projectRoom(projectId));
        socket.data.projects.delete(projectId);
        socket.data.views.delete(projectId);
        ack({ ok: true, data: null });
        await broadcastPresence(projectId);
      } catch (err) {
        ack(toAck(err));
      }
    });

    socket.on("disconnect", () => {
      for (const projectId of socket.data.projects) void broadcastPresence(projectId);
    });
  });

  const forward = (event: ProjectEvent) => io.to(projectRoom(event.projectId)).emit("project:event", event);
  realtimeBus().on("event", forward);
  cluster?.start();
  const stopWatching = watchSocketSessions(ctx.database.db, () => io.of("/").sockets.values());
  server.once("close", () => {
    stopWatching();
    realtimeBus().off("event", forward);
    void cluster?.stop();
  });

  return io;
}
