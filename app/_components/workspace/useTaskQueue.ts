"use client";

/**
 * The single-state labeller's task queue: the task on screen and the tasks claimed ahead of it (`exclude`
 * keeps them distinct), so submitting swaps the next state in synchronously — no request stands between a key
 * press and the next picture. How many are held ahead follows the labeller's pace (prefetch-policy.ts): three
 * at a person's pace, claimed one by one with `tasks/next` as always; seconds' worth for a fast labeller,
 * refilled in one batched `tasks/claim` when half of them are gone, so the queue never runs dry. It claims, keeps the leases alive (heartbeat) and releases them when the page
 * goes, sends labels through the outbox (localStorage first), undoes the last ones, follows the round (a
 * closed round's tasks are dropped; a new labelling round or a released task is claimed), and times each
 * key press → next state painted (`window.__correctiveLabelTimings`).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { MAX_BATCH, type TClaimedTasks, type TNextTask } from "@/contracts/rounds";
import type { ProjectEvent } from "@/contracts/realtime";
import { API } from "@/contracts/routes";
import { ApiError, api, errorMessage, uuid } from "@/app/_components/api-client";
import type { LabelOutbox, OutboxEvent } from "@/app/_components/labeling/outbox";
import { roundsSummary, useRounds } from "@/app/_components/labeling/queries";
import { useProjectEvents, useRealtime } from "@/app/_components/realtime/ProjectRealtime";
import { useToasts } from "@/app/_components/Toasts";
import { prefetchFrames } from "./frame-prefetch";
import { aheadTarget, LatencyMeter, nextClaim, PaceMeter, PREFETCH_POLICY } from "./prefetch-policy";

const HEARTBEAT_MS = 45_000;
/** `tasks/next` takes up to 20 ids to skip; a batched claim up to 2 × MAX_BATCH. */
const MAX_EXCLUDE_SINGLE = 20;
const MAX_EXCLUDE_BATCH = 2 * MAX_BATCH;

export type QueuePhase = "loading" | "labeling" | "done" | "no-round" | "offline" | "error";

interface HistoryEntry {
  task: TNextTask;
  labelId: string;
}

export interface LabelTiming {
  /** key press → the next state drawn on the canvas (ms). */
  drawn: number;
  /** key press → the first frame after it was drawn (ms): what the eye can see. */
  painted: number;
  taskId: string;
  /** False when no claimed task was waiting, so the next state had to come from the server first. */
  prefetched: boolean;
}

declare global {
  interface Window {
    __correctiveLabelTimings?: LabelTiming[];
  }
}

export interface TaskQueueOptions {
  projectId: string;
  outbox: LabelOutbox;
  onLabel: (roundIndex: number) => void;
  onUndo: () => void;
  onTask: (task: TNextTask | null) => void;
}

export interface TaskQueue {
  current: TNextTask | null;
  /** The task on screen now, also between a submit and the next render. */
  taskNow: () => string | null;
  phase: QueuePhase;
  error: string | null;
  /** The task the caller lost its hold on (a heartbeat answered 409), with what to say. */
  conflict: { taskId: string; text: string } | null;
  /** Key press → next state painted of the last submit (ms). */
  lastLatency: number | null;
  submit: (action: number | number[] | null, cantTell: boolean, t0: number) => void;
  undo: () => Promise<void>;
  /** Claims again now (the error state's "Try again"). */
  retry: () => void;
  /** The canvas drew the state on screen (for the timing). */
  onDraw: () => void;
  rounds: ReturnType<typeof roundsSummary>;
}

export function useTaskQueue({ projectId, outbox, onLabel, onUndo, onTask }: TaskQueueOptions): TaskQueue {
  const { push: toast } = useToasts();
  const roundsQuery = useRounds(projectId);
  const summary = roundsSummary(roundsQuery.data);
  const { labeling } = summary;
  const connection = useRealtime((s) => s.status);
  const browserOnline = useRealtime((s) => s.browserOnline);

  const [current, setCurrentState] = useState<TNextTask | null>(null);
  const currentRef = useRef<TNextTask | null>(null);
  const queue = useRef<TNextTask[]>([]);
  const history = useRef<HistoryEntry[]>([]);
  const fetching = useRef(false);
  const exhausted = useRef(false);
  const shownAt = useRef(0);
  /** The submit being timed; `taskId` null: the queue was empty, time whichever task arrives next. */
  const pendingTiming = useRef<{ t0: number; taskId: string | null } | null>(null);
  const [phase, setPhase] = useState<QueuePhase>("loading");
  const [error, setError] = useState<string | null>(null);
  const [lastLatency, setLastLatency] = useState<number | null>(null);
  const [conflict, setConflict] = useState<{ taskId: string; text: string } | null>(null);
  const [, setQueueSize] = useState(0);

  const setCurrent = useCallback(
    (t: TNextTask | null) => {
      currentRef.current = t;
      shownAt.current = performance.now();
      setCurrentState(t);
      onTask(t);
      if (t) setPhase("labeling");
    },
    [onTask],
  );

  /** The labeller's pace and the claims' round trip, which size the queue (prefetch-policy.ts). */
  const pace = useRef(new PaceMeter());
  const claimMs = useRef(new LatencyMeter());
  /** What to hold now, slower once the labeller has been idle (the heartbeat gives back the rest). */
  const target = useCallback(() => aheadTarget(pace.current.rateAt(performance.now()), claimMs.current.ms), []);

  const heldTaskIds = useCallback(
    (max: number) => {
      const ids = [currentRef.current?.task.id, ...queue.current.map((t) => t.task.id)].filter((x): x is string => Boolean(x));
      const seen = new Set(ids);
      for (const id of outbox.pendingTaskIds().reverse()) {
        if (ids.length >= max || seen.has(id)) continue;
        ids.push(id);
        seen.add(id);
      }
      return ids.slice(0, max);
    },
    [outbox],
  );

  const settlePhase = useCallback(() => {
    if (currentRef.current) return setPhase("labeling");
    if (!navigator.onLine) return setPhase("offline");
    if (exhausted.current) return setPhase(labeling ? "done" : "no-round");
  }, [labeling]);

  /** Claims `count` tasks: one with `tasks/next` (a person's pace, and the first state on screen) or a batch. */
  const claim = useCallback(
    async (count: number): Promise<TNextTask[]> => {
      const started = performance.now();
      const held = currentRef.current ? 1 + queue.current.length : 0;
      // `tasks/next` offers the caller's own leases first: holding more than it can be told to skip, only the
      // batched claim (which takes many more ids to skip) gets new tasks.
      const single = count === 1 && held < MAX_EXCLUDE_SINGLE;
      try {
        if (single) {
          const res = await api<TNextTask>(API.nextTask(projectId), { body: { exclude: heldTaskIds(MAX_EXCLUDE_SINGLE) } });
          return res.status === 204 || !res.data ? [] : [res.data];
        }
        const res = await api<TClaimedTasks>(API.claimTasks(projectId), { body: { count, exclude: heldTaskIds(MAX_EXCLUDE_BATCH) } });
        return res.data?.tasks ?? [];
      } finally {
        claimMs.current.record(performance.now() - started);
      }
    },
    [heldTaskIds, projectId],
  );

  const refillRef = useRef<() => Promise<void>>(async () => {});
  const refill = useCallback(async () => {
    if (fetching.current) return;
    fetching.current = true;
    try {
      for (let guard = 0; guard < PREFETCH_POLICY.minAhead + 4; guard++) {
        // The measured pace, not the pace while waiting for this very claim: that wait is the server's, not the labeller's.
        const count = nextClaim(currentRef.current !== null, queue.current.length, pace.current.labelsPerSecond, claimMs.current.ms);
        if (count === 0) break;
        const got = await claim(count);
        if (got.length === 0) {
          exhausted.current = true;
          break;
        }
        exhausted.current = false;
        const pending = new Set(outbox.pendingTaskIds());
        for (const t of got) {
          // A label for it is still in the outbox (more held than `exclude` takes): it will count; do not show it again.
          if (pending.has(t.task.id) || t.task.id === currentRef.current?.task.id || queue.current.some((q) => q.task.id === t.task.id)) continue;
          if (!currentRef.current) setCurrent(t);
          else {
            queue.current.push(t);
            // Its pictures (every camera) load while the labeller works on the states before it.
            prefetchFrames([t.state]);
          }
        }
        // Fewer than asked for: that is all there is for now.
        if (got.length < count) break;
      }
      setError(null);
    } catch (err) {
      if (err instanceof ApiError && err.transient) {
        setTimeout(() => void refillRef.current(), 2000);
      } else {
        setError(errorMessage(err));
        if (!currentRef.current) setPhase("error");
      }
    } finally {
      fetching.current = false;
      setQueueSize(queue.current.length);
      settlePhase();
    }
  }, [claim, outbox, setCurrent, settlePhase]);
  refillRef.current = refill;

  // First claim, and again whenever a (new) round starts labelling.
  const labelingIndex = labeling?.index ?? null;
  useEffect(() => {
    exhausted.current = false;
    void refillRef.current();
  }, [labelingIndex]);

  // The round stopped labelling (closed by the lead, or all tasks done): drop its tasks and say so.
  useEffect(() => {
    if (!roundsQuery.data) return;
    const open = new Set(roundsQuery.data.filter((r) => r.status === "labeling").map((r) => r.index));
    const stale = (t: TNextTask) => !open.has(t.context.roundIndex);
    const cur = currentRef.current;
    queue.current = queue.current.filter((t) => !stale(t));
    if (cur && stale(cur)) {
      history.current = [];
      setCurrent(queue.current.shift() ?? null);
      exhausted.current = true;
      if (!currentRef.current) setPhase(labeling ? "done" : "no-round");
    }
  }, [roundsQuery.data, labeling, setCurrent]);

  // Tasks come back (someone released one, a connection returned): try again when idle.
  const onEvent = useCallback((e: ProjectEvent) => {
    if (e.type === "tasks:released" && exhausted.current && !currentRef.current) {
      exhausted.current = false;
      void refillRef.current();
    }
  }, []);
  useProjectEvents(onEvent);
  useEffect(() => {
    if (connection === "online" && browserOnline && !currentRef.current) void refillRef.current();
    if (browserOnline && phase === "offline") settlePhase();
  }, [connection, browserOnline, phase, settlePhase]);

  // Outbox answers: a refused label is taken off personal progress and shown.
  useEffect(
    () =>
      outbox.subscribe((e: OutboxEvent) => {
        if (e.type === "rejected") {
          history.current = history.current.filter((h) => h.labelId !== e.label.id);
          onUndo();
          toast({ kind: "error", text: `A label was not accepted: ${e.message}`, testId: "label-rejected" });
        }
      }),
    [outbox, onUndo, toast],
  );

  // Keep the leases of the tasks held, giving back what a slower pace no longer needs (others may label it);
  // release them all when the page goes away.
  useEffect(() => {
    const beat = setInterval(() => {
      const spare = queue.current.splice(target());
      for (const t of spare) void api(API.taskRelease(t.task.id), { method: "POST" }).catch(() => {});
      for (const t of [currentRef.current, ...queue.current]) {
        if (!t) continue;
        void api(API.taskHeartbeat(t.task.id), { method: "POST" }).catch((err) => {
          if (!(err instanceof ApiError && err.status === 409)) return;
          // The lease ran out and someone else holds the task now: a label for it would be refused.
          queue.current = queue.current.filter((q) => q.task.id !== t.task.id);
          if (t === currentRef.current) setConflict({ taskId: t.task.id, text: "Your hold on this state ran out and someone else took it: skip to the next one." });
        });
      }
    }, HEARTBEAT_MS);
    const release = () => {
      for (const t of [currentRef.current, ...queue.current]) if (t) void api(API.taskRelease(t.task.id), { method: "POST", keepalive: true }).catch(() => {});
    };
    window.addEventListener("pagehide", release);
    return () => {
      clearInterval(beat);
      window.removeEventListener("pagehide", release);
      release();
    };
  }, [target]);

  // Submit → next state on screen, timed from the key press to the draw and to the next frame.
  const onDraw = useCallback(() => {
    const p = pendingTiming.current;
    const shown = currentRef.current?.task.id;
    if (!p || !shown || (p.taskId !== null && p.taskId !== shown)) return;
    pendingTiming.current = null;
    const drawn = performance.now() - p.t0;
    requestAnimationFrame(() =>
      setTimeout(() => {
        const painted = performance.now() - p.t0;
        (window.__correctiveLabelTimings ??= []).push({ drawn, painted, taskId: shown, prefetched: p.taskId !== null });
        setLastLatency(painted);
      }, 0),
    );
  }, []);

  const submit = useCallback(
    (action: number | number[] | null, cantTell: boolean, t0: number) => {
      const task = currentRef.current;
      if (!task) return;
      const id = uuid();
      const now = performance.now();
      outbox.add({ id, taskId: task.task.id, projectId, roundIndex: task.context.roundIndex, action: cantTell ? null : action, cantTell, durationMs: now - shownAt.current });
      history.current = [...history.current.slice(-19), { task, labelId: id }];
      pace.current.record(now - shownAt.current, now);
      onLabel(task.context.roundIndex);
      const next = queue.current.shift() ?? null;
      pendingTiming.current = { t0, taskId: next?.task.id ?? null };
      setCurrent(next);
      if (!next) setPhase(navigator.onLine ? "loading" : "offline");
      setQueueSize(queue.current.length);
      void refillRef.current();
    },
    [outbox, projectId, onLabel, setCurrent],
  );

  const undo = useCallback(async () => {
    const last = history.current.at(-1);
    if (!last) return toast({ kind: "info", text: "Nothing to undo." });
    history.current = history.current.slice(0, -1);
    const restore = () => {
      if (currentRef.current) queue.current.unshift(currentRef.current);
      setCurrent(last.task);
      onUndo();
      toast({ kind: "ok", text: `Label undone — state t=${last.task.state.t} is back.`, testId: "undo-done" });
    };
    let r = outbox.remove(last.labelId);
    if (r === "removed") return restore();
    if (r === "sending") {
      const settled = await outbox.settled(last.labelId);
      if (settled === "rejected") return;
      r = "absent";
    }
    try {
      await api(`${API.taskLabels(last.task.task.id)}/${encodeURIComponent(last.labelId)}`, { method: "DELETE" });
      restore();
    } catch (err) {
      toast({ kind: "error", text: `Could not undo: ${errorMessage(err)}` });
    }
  }, [outbox, onUndo, setCurrent, toast]);

  // Timing (see onDraw): a submit with nothing prefetched stays timed until the next task arrives, unless there is none to come.
  useLayoutEffect(() => {
    if (!current && pendingTiming.current?.taskId !== null) pendingTiming.current = null;
  }, [current]);
  useEffect(() => {
    if (phase === "done" || phase === "no-round" || phase === "error") pendingTiming.current = null;
  }, [phase]);

  const taskNow = useCallback(() => currentRef.current?.task.id ?? null, []);
  const retry = useCallback(() => void refillRef.current(), []);
  return { current, taskNow, phase, error, conflict, lastLatency, submit, undo, retry, onDraw, rounds: summary };
}
