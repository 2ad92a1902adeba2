/**
 * socket.io on the web server's port. Each handler: validate (zod) → authorise (authorizeProject) → act →
 * acknowledge `{ ok, data } | { ok: false, error }`. One room per project; presence is broadcast on change.
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
import type { SessionUser } from "../auth/session";
import { toAck } from "../http/respond";
import { realtimeBus } from "./bus";
import { userFromCookieHeader } from "./socket-auth";

interface SocketData {
  user: SessionUser;
  projects: Set<string>;
  /** The view (page) this socket said it shows, per project. */
  views: Map<string, string>;
}

/** How long a dropped client may come back and get the events it missed (socket.io connection state recovery). */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function attachRealtime(server: http.Server, ctx: AppContext): RealtimeServer {
  const io: RealtimeServer = new Server(server, {
    path: REALTIME_PATH,
    serveClient: false,
    // A client that reconnects within the window keeps its id, rooms and data and receives the missed events.
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
  });

  io.use(async (socket, next) => {
    const user = await userFromCookieHeader(socket.handshake.headers.cookie, ctx.config.authSecret);
    if (!user) return next(new Error("UNAUTHENTICATED"));
    socket.data.user = user;
    socket.data.projects = new Set();
    socket.data.views = new Map();
    next();
  });

  const presence = async (projectId: string): Promise<PresenceUser[]> => {
    const sockets = await io.in(projectRoom(projectId)).fetchSockets();
    const byId = new Map<string, PresenceUser>();
    for (const s of sockets) {
      const u = byId.get(s.data.user.id) ?? { id: s.data.user.id, name: s.data.user.name };
      const view = s.data.views?.get(projectId);
      if (view && !u.views?.includes(view)) u.views = [...(u.views ?? []), view].sort();
      byId.set(s.data.user.id, u);
    }
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  };
  const broadcastPresence = async (projectId: string) => {
    io.to(projectRoom(projectId)).emit("presence:update", { projectId, users: await presence(projectId) });
  };

  io.on("connection", (socket: RealtimeSocket) => {
    // A recovered socket is back in its rooms: tell the others it is present again.
    if (socket.recovered) for (const projectId of socket.data.projects) void broadcastPresence(projectId);

    socket.on("project:join", async (payload, ack) => {
      if (typeof ack !== "function") return;
      try {
        const { projectId, view } = ZJoinProject.parse(payload);
        await authorizeProject(ctx.database.db, socket.data.user, projectId, "viewer");
        await socket.join(projectRoom(projectId));
        socket.data.projects.add(projectId);
        if (view) socket.data.views.set(projectId, view);
        else socket.data.views.delete(projectId);
        const users = await presence(projectId);
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
  server.once("close", () => realtimeBus().off("event", forward));

  return io;
}
