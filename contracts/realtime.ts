/**
 * socket.io contract: event names and payloads, typed once for server and browser. Every client→server
 * event is validated with the zod schema below and answered through an acknowledgement.
 */
import { z } from "zod";

export type AckError = { ok: false; error: { code: string; message: string } };
export type Ack<T> = { ok: true; data: T } | AckError;

export interface PresenceUser {
  id: string;
  name: string;
}

export const ZJoinProject = z.object({ projectId: z.uuid() });
export type TJoinProject = z.infer<typeof ZJoinProject>;

export interface ServerToClientEvents {
  "presence:update": (payload: { projectId: string; users: PresenceUser[] }) => void;
}

export interface ClientToServerEvents {
  "project:join": (payload: TJoinProject, ack: (res: Ack<{ users: PresenceUser[] }>) => void) => void;
  "project:leave": (payload: TJoinProject, ack: (res: Ack<null>) => void) => void;
}

export const REALTIME_PATH = "/socket.io";
export const projectRoom = (projectId: string) => `project:${projectId}`;
