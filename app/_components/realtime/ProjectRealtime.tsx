"use client";

/**
 * One socket.io connection per open page, joined to the project's room with the page's `view`.
 * It keeps presence, who is claiming tasks, training progress and the latest published policy in a small store
 * (components read slices with `useRealtime(selector)`), updates React Query's cached server state from
 * the pushed events instead of polling, and lets components subscribe to raw events.
 *
 * Reconnects: socket.io retries on its own; the server's connection state recovery replays the events
 * missed during a short drop (`socket.recovered`). After a longer drop the cached queries are invalidated.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";
import type { TComment } from "@/contracts/comments";
import type { TRound } from "@/contracts/rounds";
import { REALTIME_PATH, type ClientToServerEvents, type PresenceUser, type ProjectEvent, type ServerToClientEvents } from "@/contracts/realtime";
import { queryKeys } from "../labeling/queries";

export type ConnectionStatus = "connecting" | "online" | "offline" | "denied";

export interface TrainingProgress {
  roundIndex: number;
  epoch: number;
  epochs: number;
  loss: number;
  valLoss?: number | null;
  at: number;
}

export interface RealtimeState {
  status: ConnectionStatus;
  /** The last reconnect got the missed events replayed (connection state recovery). */
  recovered: boolean;
  browserOnline: boolean;
  users: PresenceUser[];
  /** When each user last claimed tasks, since the page opened (user id → time); events carry no task ids. */
  activity: ReadonlyMap<string, number>;
  training: TrainingProgress | null;
  published: { version: number; roundIndex: number; at: number } | null;
}

type Listener = () => void;

class RealtimeStore {
  state: RealtimeState = {
    status: "connecting",
    recovered: false,
    browserOnline: typeof navigator === "undefined" ? true : navigator.onLine,
    users: [],
    activity: new Map(),
    training: null,
    published: null,
  };
  private listeners = new Set<Listener>();
  private eventListeners = new Set<(e: ProjectEvent) => void>();
  set(patch: Partial<RealtimeState>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
  subscribe = (l: Listener) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  onEvent(fn: (e: ProjectEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }
  dispatch(e: ProjectEvent) {
    for (const l of this.eventListeners) l(e);
  }
}

interface Ctx {
  store: RealtimeStore;
  projectId: string;
}
const RealtimeContext = createContext<Ctx | null>(null);

function appendComment(list: TComment[] | undefined, c: TComment): TComment[] | undefined {
  if (!list) return list;
  return list.some((x) => x.id === c.id) ? list : [...list, c];
}

function applyToQueries(qc: QueryClient, projectId: string, e: ProjectEvent) {
  switch (e.type) {
    case "round:progress":
      qc.setQueryData<TRound[]>(queryKeys.rounds(projectId), (rounds) =>
        rounds?.map((r) => (r.index === e.roundIndex ? { ...r, progress: { ...r.progress, ...e.progress } } : r)),
      );
      break;
    case "round:status":
    case "rollout:added":
    case "policy:published":
      void qc.invalidateQueries({ queryKey: queryKeys.rounds(projectId) });
      if (e.type === "policy:published") void qc.invalidateQueries({ queryKey: queryKeys.policy(projectId) });
      break;
    case "comment:added":
      qc.setQueryData<TComment[]>(queryKeys.comments(projectId, "recent"), (l) => appendComment(l, e.comment));
      if (e.comment.stateId) qc.setQueryData<TComment[]>(queryKeys.comments(projectId, e.comment.stateId), (l) => appendComment(l, e.comment));
      break;
    default:
      break;
  }
}

const CLAIM_TTL_MS = 120_000;

export function ProjectRealtimeProvider({ projectId, view, children }: { projectId: string; view: string; children: ReactNode }) {
  const qc = useQueryClient();
  const store = useMemo(() => new RealtimeStore(), []);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: REALTIME_PATH, withCredentials: true });
    let everConnected = false;
    let everJoined = false;
    const join = () =>
      socket.emit("project:join", { projectId, view }, (res) => {
        if (!res.ok) {
          store.set({ status: "denied" });
          return;
        }
        store.set({ users: res.data.users, status: "online" });
        // The page's first fetches ran before this join: an event pushed between them and now (a lead starting a
        // round just as the page opened) reached no one here, so read the rounds and the policy once more.
        if (!everJoined) {
          everJoined = true;
          void qc.invalidateQueries({ queryKey: queryKeys.rounds(projectId) });
          void qc.invalidateQueries({ queryKey: queryKeys.policy(projectId) });
        }
      });
    socket.on("connect", () => {
      const recovered = socket.recovered;
      store.set({ recovered });
      // A reconnect that could not be recovered may have missed events: refetch what is cached.
      if (everConnected && !recovered) void qc.invalidateQueries({ queryKey: queryKeys.project(projectId) });
      everConnected = true;
      join();
    });
    socket.on("disconnect", () => store.set({ status: "offline" }));
    socket.on("connect_error", () => store.set({ status: "offline" }));
    socket.on("presence:update", (p) => {
      if (p.projectId === projectId) store.set({ users: p.users });
    });
    socket.on("project:event", (e) => {
      if (e.projectId !== projectId) return;
      applyToQueries(qc, projectId, e);
      const now = Date.now();
      if (e.type === "tasks:claimed") {
        const activity = new Map(store.state.activity);
        for (const [id, at] of activity) if (now - at > CLAIM_TTL_MS) activity.delete(id);
        activity.set(e.userId, now);
        store.set({ activity });
      } else if (e.type === "training:progress") {
        store.set({ training: { roundIndex: e.roundIndex, epoch: e.epoch, epochs: e.epochs, loss: e.loss, valLoss: e.valLoss ?? null, at: now } });
      } else if (e.type === "policy:published") {
        store.set({ published: { version: e.version, roundIndex: e.roundIndex, at: now } });
      }
      store.dispatch(e);
    });
    const online = () => store.set({ browserOnline: navigator.onLine });
    window.addEventListener("online", online);
    window.addEventListener("offline", online);
    return () => {
      window.removeEventListener("online", online);
      window.removeEventListener("offline", online);
      socket.disconnect();
    };
  }, [projectId, view, qc, store]);

  const value = useMemo(() => ({ store, projectId }), [store, projectId]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

function useCtx(): Ctx {
  const ctx = useContext(RealtimeContext);
  if (!ctx) throw new Error("useRealtime needs a ProjectRealtimeProvider");
  return ctx;
}

/** A slice of the realtime state; re-renders only when the selected value changes (by identity). */
export function useRealtime<T>(select: (s: RealtimeState) => T): T {
  const { store } = useCtx();
  return useSyncExternalStore(store.subscribe, () => select(store.state), () => select(store.state));
}

/** Calls `fn` for every project event pushed to this page (after the cached queries were updated). */
export function useProjectEvents(fn: (e: ProjectEvent) => void): void {
  const { store } = useCtx();
  useEffect(() => store.onEvent(fn), [store, fn]);
}
