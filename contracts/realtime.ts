/**
 * socket.io contract: event names and payloads, typed once for server and browser. Every client→server
 * event is validated with the zod schema below and answered through an acknowledgement.
 */
import { z } from "zod";
import type { TComment } from "./comments";

export type AckError = { ok: false; error: { code: string; message: string } };
export type Ack<T> = { ok: true; data: T } | AckError;

export interface PresenceUser {
  id: string;
  name: string;
  /** The views this person has open in the project (one per tab), when their pages said so on join. */
  views?: string[];
}

/** Which page a socket is on, sent on join so others see it (`label`, `ride`, `demos`, `takeover`, `overview` …). */
export const ZPresenceView = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a short lower-case view name");
export const ZJoinProject = z.object({ projectId: z.uuid(), view: ZPresenceView.optional() });
export type TJoinProject = z.infer<typeof ZJoinProject>;

export interface RoundProgress {
  tasksTotal: number;
  tasksDone: number;
  labels: number;
}

/** Domain events pushed to a project's room, one per state change (see docs/ARCHITECTURE.md, Realtime). */
export type ProjectEvent =
  | { type: "round:status"; projectId: string; roundIndex: number; status: string; error?: string | null }
  | { type: "round:progress"; projectId: string; roundIndex: number; progress: RoundProgress }
  | { type: "training:progress"; projectId: string; roundIndex: number; epoch: number; epochs: number; loss: number; valLoss?: number | null; samplesPerSecond?: number }
  | {
      type: "finetune:progress";
      projectId: string;
      roundIndex: number;
      iteration: number;
      iterations: number;
      /** Mean return of this iteration's (stochastic) training episodes. */
      meanReturn: number;
      episodes: number;
    }
  | { type: "policy:published"; projectId: string; roundIndex: number; policyId: string; version: number; metrics: unknown }
  | { type: "rollout:added"; projectId: string; roundIndex: number; rolloutId: string; source: string; length: number }
  /**
   * Someone took `count` tasks to label. Room events never name a claimable task (docs/SECURITY.md, "Leases and
   * room events"): others need to know that work is going on, and who is doing it, not which task to grab.
   */
  | { type: "tasks:claimed"; projectId: string; userId: string; count: number }
  /** `count` tasks went back to the pool (released): a labeller who ran out may ask again. */
  | { type: "tasks:released"; projectId: string; count: number }
  | { type: "comment:added"; projectId: string; comment: TComment };

export type ProjectEventType = ProjectEvent["type"];
export const PROJECT_EVENT_TYPES: ProjectEventType[] = [
  "round:status",
  "round:progress",
  "training:progress",
  "finetune:progress",
  "policy:published",
  "rollout:added",
  "tasks:claimed",
  "tasks:released",
  "comment:added",
];

export interface ServerToClientEvents {
  "presence:update": (payload: { projectId: string; users: PresenceUser[] }) => void;
  "project:event": (event: ProjectEvent) => void;
}

export interface ClientToServerEvents {
  "project:join": (payload: TJoinProject, ack: (res: Ack<{ users: PresenceUser[] }>) => void) => void;
  "project:leave": (payload: TJoinProject, ack: (res: Ack<null>) => void) => void;
}

export const REALTIME_PATH = "/socket.io";
export const projectRoom = (projectId: string) => `project:${projectId}`;
