"use client";

import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { REALTIME_PATH, type ClientToServerEvents, type PresenceUser, type ServerToClientEvents } from "@/contracts/realtime";

type Status = "connecting" | "online" | "offline" | "denied";

/** Who else is looking at this project right now (socket.io presence). */
export function PresenceBar({ projectId }: { projectId: string }) {
  const [users, setUsers] = useState<PresenceUser[]>([]);
  const [status, setStatus] = useState<Status>("connecting");

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: REALTIME_PATH, withCredentials: true });
    const join = () =>
      socket.emit("project:join", { projectId }, (res) => {
        if (res.ok) {
          setUsers(res.data.users);
          setStatus("online");
        } else setStatus("denied");
      });
    socket.on("connect", join);
    socket.on("disconnect", () => setStatus("offline"));
    socket.on("connect_error", () => setStatus("offline"));
    socket.on("presence:update", (p) => {
      if (p.projectId === projectId) setUsers(p.users);
    });
    return () => {
      socket.disconnect();
    };
  }, [projectId]);

  return (
    <div className="presence" data-testid="presence" data-status={status}>
      <span className={status === "online" ? "dot" : "dot off"} />
      {status === "online" ? (
        <span>Online now: {users.map((u) => u.name).join(", ") || "just you"}</span>
      ) : (
        <span className="muted">{status === "connecting" ? "Connecting…" : status === "denied" ? "Live updates unavailable" : "Offline — reconnecting…"}</span>
      )}
    </div>
  );
}
