"use client";

/**
 * One state at a time: the state with its temporal context, the policy's proposal on request, and input
 * fitted to the action space. The next 3 tasks are claimed ahead (`exclude` keeps them distinct), so
 * submitting swaps the next state in synchronously — no request stands between a key press and the next
 * picture. Labels go to the outbox (localStorage) and are sent in the background.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import type { TNextTask } from "@/contracts/rounds";
import type { TSpace } from "@/contracts/spaces";
import type { ProjectEvent } from "@/contracts/realtime";
import { API } from "@/contracts/routes";
import { ApiError, api, errorMessage, uuid } from "@/app/_components/api-client";
import { actionNames, arrowAction, boxMid, clampBox, digitAction, formatAction, isTyping, roundBox } from "@/app/_components/control/actions";
import { axisToValue, newlyPressed, readPad, type PadSample } from "@/app/_components/control/gamepad";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import type { LabelOutbox, OutboxEvent } from "@/app/_components/labeling/outbox";
import { roundsSummary, STATUS_TEXT, useRounds } from "@/app/_components/labeling/queries";
import { useProjectEvents, useRealtime } from "@/app/_components/realtime/ProjectRealtime";
import { useToasts } from "@/app/_components/Toasts";
import { SPEEDS, useReplay } from "./useReplay";
import type { WorkspaceProject } from "./workspace-props";

/** Tasks claimed ahead of the one on screen. */
export const PREFETCH = 3;
const HEARTBEAT_MS = 45_000;
const MAX_EXCLUDE = 20;

type Phase = "loading" | "labeling" | "done" | "no-round" | "offline" | "error";

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

export interface SingleLabelerProps {
  project: WorkspaceProject;
  outbox: LabelOutbox;
  onLabel: (roundIndex: number) => void;
  onUndo: () => void;
  onTask: (task: TNextTask | null) => void;
  showShortcuts: () => void;
  focusComment: () => void;
}

type Box = Extract<TSpace, { type: "box" }>;

export function SingleLabeler({ project, outbox, onLabel, onUndo, onTask, showShortcuts, focusComment }: SingleLabelerProps) {
  const { push: toast } = useToasts();
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const rounds = useRounds(project.id);
  const { latest, labeling } = roundsSummary(rounds.data);
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
  const [phase, setPhase] = useState<Phase>("loading");
  const [error, setError] = useState<string | null>(null);
  const [showPolicy, setShowPolicy] = useState(false);
  const [oneKey, setOneKey] = useState(true);
  const [lastLatency, setLastLatency] = useState<number | null>(null);
  const [choice, setChoice] = useState<{ key: string; action: number } | null>(null);
  const [boxValue, setBoxValue] = useState<{ key: string; v: number[] } | null>(null);
  /** The task the caller lost its hold on (a heartbeat answered 409), with what to say. */
  const [conflict, setConflict] = useState<{ taskId: string; text: string } | null>(null);
  const [, setQueueSize] = useState(0);

  const taskKey = current?.task.id ?? "none";
  const frames = useMemo(() => current?.context.before ?? [], [current]);
  const replay = useReplay(taskKey, frames.length, project.dt);
  const atState = replay.index >= replay.last;
  const frame = frames[replay.index] ?? null;
  const mid = useMemo(() => (space.type === "box" ? boxMid(space) : []), [space]);
  const value = space.type === "box" ? (boxValue?.key === taskKey ? boxValue.v : mid) : [];
  const chosen = choice?.key === taskKey ? choice.action : null;

  useEffect(() => {
    try {
      setOneKey(localStorage.getItem("corrective:one-key") !== "0");
    } catch {
      // default
    }
  }, []);

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

  const heldTaskIds = useCallback(() => {
    const ids = [currentRef.current?.task.id, ...queue.current.map((t) => t.task.id)].filter((x): x is string => Boolean(x));
    for (const id of outbox.pendingTaskIds().reverse()) if (ids.length < MAX_EXCLUDE && !ids.includes(id)) ids.push(id);
    return ids.slice(0, MAX_EXCLUDE);
  }, [outbox]);

  const settlePhase = useCallback(() => {
    if (currentRef.current) return setPhase("labeling");
    if (!navigator.onLine) return setPhase("offline");
    if (exhausted.current) return setPhase(labeling ? "done" : "no-round");
  }, [labeling]);

  const refillRef = useRef<() => Promise<void>>(async () => {});
  const refill = useCallback(async () => {
    if (fetching.current) return;
    fetching.current = true;
    try {
      for (let guard = 0; guard < PREFETCH + 4 && queue.current.length < PREFETCH; guard++) {
        const exclude = heldTaskIds();
        const res = await api<TNextTask>(API.nextTask(project.id), { body: { exclude } });
        if (res.status === 204 || !res.data) {
          exhausted.current = true;
          break;
        }
        exhausted.current = false;
        const t = res.data;
        // A label for it is still in the outbox (more than 20 held): it will count; do not show it again.
        if (outbox.pendingTaskIds().includes(t.task.id) || t.task.id === currentRef.current?.task.id || queue.current.some((q) => q.task.id === t.task.id)) continue;
        if (!currentRef.current) setCurrent(t);
        else queue.current.push(t);
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
  }, [heldTaskIds, outbox, project.id, setCurrent, settlePhase]);
  refillRef.current = refill;

  // First claim, and again whenever a (new) round starts labelling.
  const labelingIndex = labeling?.index ?? null;
  useEffect(() => {
    exhausted.current = false;
    void refillRef.current();
  }, [labelingIndex]);

  // The round stopped labelling (closed by the lead, or all tasks done): drop its tasks and say so.
  useEffect(() => {
    if (!rounds.data) return;
    const open = new Set(rounds.data.filter((r) => r.status === "labeling").map((r) => r.index));
    const stale = (t: TNextTask) => !open.has(t.context.roundIndex);
    const cur = currentRef.current;
    queue.current = queue.current.filter((t) => !stale(t));
    if (cur && stale(cur)) {
      history.current = [];
      setCurrent(queue.current.shift() ?? null);
      exhausted.current = true;
      if (!currentRef.current) setPhase(labeling ? "done" : "no-round");
    }
  }, [rounds.data, labeling, setCurrent]);

  // Tasks come back (someone released one, a connection returned): try again when idle.
  const onEvent = useCallback(
    (e: ProjectEvent) => {
      if (e.type === "tasks:released" && exhausted.current && !currentRef.current) {
        exhausted.current = false;
        void refillRef.current();
      }
    },
    [],
  );
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

  // Keep the leases of the tasks held; release them when the page goes away.
  useEffect(() => {
    const beat = setInterval(() => {
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
  }, []);

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
      outbox.add({ id, taskId: task.task.id, projectId: project.id, roundIndex: task.context.roundIndex, action: cantTell ? null : action, cantTell, durationMs: performance.now() - shownAt.current });
      history.current = [...history.current.slice(-19), { task, labelId: id }];
      onLabel(task.context.roundIndex);
      const next = queue.current.shift() ?? null;
      pendingTiming.current = { t0, taskId: next?.task.id ?? null };
      setCurrent(next);
      if (!next) setPhase(navigator.onLine ? "loading" : "offline");
      setQueueSize(queue.current.length);
      void refillRef.current();
    },
    [outbox, project.id, onLabel, setCurrent],
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

  const submitCurrent = useCallback(
    (t0: number) => {
      if (space.type === "discrete") {
        if (chosen === null) return toast({ kind: "info", text: `Choose an action first (keys 1–${space.n} or the arrows).` });
        submit(chosen, false, t0);
      } else submit(roundBox(space, value), false, t0);
    },
    [space, chosen, value, submit, toast],
  );

  const choose = useCallback(
    (a: number, t0: number) => {
      setChoice({ key: taskKey, action: a });
      if (oneKey) submit(a, false, t0);
    },
    [taskKey, oneKey, submit],
  );

  const nudge = useCallback(
    (dim: number, frac: number) => {
      if (space.type !== "box") return;
      const range = (space.high[dim] ?? 1) - (space.low[dim] ?? -1);
      const v = [...value];
      v[dim] = (v[dim] ?? 0) + frac * range;
      setBoxValue({ key: taskKey, v: clampBox(space, v) });
    },
    [space, value, taskKey],
  );

  // Keyboard: one listener, reading the latest handlers through a ref.
  const keyHandler = useRef<(e: KeyboardEvent) => void>(() => {});
  keyHandler.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) return;
    const onSlider = e.target instanceof HTMLInputElement && e.target.type === "range";
    const k = e.key;
    const t0 = e.timeStamp;
    const handled = () => e.preventDefault();
    // A focused slider keeps its own keys (Home/End = min/max, PageUp/PageDown = big steps, arrows = one
    // step); Home/End would otherwise seek the context replay instead of moving the slider.
    if (onSlider && (k === "Home" || k === "End" || k === "PageUp" || k === "PageDown")) return;
    if (k === "?") return handled(), !e.repeat && current && submit(null, true, t0);
    if (k === "u" || k === "U") return handled(), !e.repeat && void undo();
    if (k === "p" || k === "P") return handled(), setShowPolicy((s) => !s);
    if (k === "h" || k === "H") return handled(), showShortcuts();
    if (k === "c" || k === "C") return handled(), focusComment();
    if (k === "r" || k === "R") return handled(), replay.toggle();
    if (k === ",") return handled(), replay.step(-1);
    if (k === ".") return handled(), replay.step(1);
    if (k === "[") return handled(), replay.slower();
    if (k === "]") return handled(), replay.faster();
    if (k === "Home") return handled(), replay.seek(0);
    if (k === "End") return handled(), replay.seek(replay.last);
    if (!current) return;
    if (k === "Enter" || k === " ") {
      handled();
      if (!e.repeat) submitCurrent(t0);
      return;
    }
    if (space.type === "discrete") {
      const a = digitAction(k, space.n) ?? (onSlider ? null : arrowAction(k, space.n));
      if (a !== null) {
        handled();
        if (!e.repeat) choose(a, t0);
      }
      return;
    }
    if (onSlider && k.startsWith("Arrow")) return;
    const frac = e.shiftKey ? 0.01 : 0.05;
    if (k === "ArrowLeft") return handled(), nudge(0, -frac);
    if (k === "ArrowRight") return handled(), nudge(0, frac);
    if (k === "ArrowDown" && space.shape[0] > 1) return handled(), nudge(1, -frac);
    if (k === "ArrowUp" && space.shape[0] > 1) return handled(), nudge(1, frac);
    if (k === "0") return handled(), setBoxValue({ key: taskKey, v: mid });
  };
  useEffect(() => {
    const fn = (e: KeyboardEvent) => keyHandler.current(e);
    window.addEventListener("keydown", fn);
    return () => window.removeEventListener("keydown", fn);
  }, []);

  // Gamepad: sticks set a continuous label, A submits, B can't tell, X undoes, d-pad chooses.
  useEffect(() => {
    let raf = 0;
    let prev: PadSample | null = null;
    const poll = () => {
      const pad = readPad();
      if (pad) {
        const t0 = performance.now();
        const s = space;
        if (s.type === "box" && currentRef.current && pad.axes.some((a, i) => i < s.shape[0] && (a !== 0 || (prev?.axes[i] ?? 0) !== 0))) {
          const v = s.low.map((lo, i) => axisToValue(pad.axes[i] ?? 0, lo, s.high[i] ?? lo));
          setBoxValue({ key: currentRef.current.task.id, v: clampBox(s, v) });
        }
        for (const b of newlyPressed(prev, pad)) {
          if (b === 0) submitRef.current(t0);
          else if (b === 1 && currentRef.current) submitCantTell.current(t0);
          else if (b === 2) void undoRef.current();
          else if (s.type === "discrete" && (b === 14 || b === 15)) chooseRef.current(b === 14 ? 0 : s.n - 1, t0);
        }
        prev = pad;
      }
      raf = requestAnimationFrame(poll);
    };
    const start = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(poll);
    };
    window.addEventListener("gamepadconnected", start);
    if (readPad()) start();
    return () => {
      window.removeEventListener("gamepadconnected", start);
      cancelAnimationFrame(raf);
    };
  }, [space]);
  const submitRef = useRef(submitCurrent);
  submitRef.current = submitCurrent;
  const submitCantTell = useRef((t0: number) => submit(null, true, t0));
  submitCantTell.current = (t0: number) => submit(null, true, t0);
  const undoRef = useRef(undo);
  undoRef.current = undo;
  const chooseRef = useRef(choose);
  chooseRef.current = choose;

  // Mouse drag on the canvas sets a continuous label (x → first dimension, y → second).
  const dragging = useRef(false);
  const dragTo = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (space.type !== "box" || !current) return;
    const r = e.currentTarget.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width;
    const fy = 1 - (e.clientY - r.top) / r.height;
    const v = [...value];
    v[0] = (space.low[0] ?? -1) + fx * ((space.high[0] ?? 1) - (space.low[0] ?? -1));
    if (space.shape[0] > 1) v[1] = (space.low[1] ?? -1) + fy * ((space.high[1] ?? 1) - (space.low[1] ?? -1));
    setBoxValue({ key: taskKey, v: clampBox(space, v) });
  };

  const labelAction = space.type === "box" ? roundBox(space, value) : (chosen ?? undefined);
  const overlay = useMemo(
    () =>
      atState
        ? {
            caption: `t = ${current?.state.t ?? 0} · the state to label`,
            ...(showPolicy && current?.policyAction != null ? { policyAction: current.policyAction } : {}),
            ...(labelAction !== undefined ? { labelAction } : {}),
          }
        : { caption: `t = ${frame?.t ?? 0} · context, ${replay.last - replay.index} step(s) before the state` },
    [atState, current, showPolicy, frame, replay.last, replay.index, JSON.stringify(labelAction)],
  );

  // Timing (see onDraw): a submit with nothing prefetched stays timed until the next task arrives, unless there is none to come.
  useLayoutEffect(() => {
    if (!current && pendingTiming.current?.taskId !== null) pendingTiming.current = null;
  }, [current]);
  useEffect(() => {
    if (phase === "done" || phase === "no-round" || phase === "error") pendingTiming.current = null;
  }, [phase]);


  if (project.role === "viewer") {
    return (
      <div className="panel empty" data-testid="viewer-only">
        <h2>Viewers cannot label</h2>
        <p>Ask a lead of {project.name} to make you a labeller.</p>
      </div>
    );
  }

  if (!current) {
    return (
      <div className="panel labeler-empty" aria-live="polite">
        {phase === "loading" && (
          <div className="empty" data-testid="loading">
            <div className="skeleton" aria-hidden />
            <p>Loading the next state…</p>
          </div>
        )}
        {phase === "offline" && (
          <div className="empty" data-testid="empty-offline">
            <h2>You are offline</h2>
            <p>Your labels are saved in this browser. New states load as soon as the connection returns.</p>
          </div>
        )}
        {phase === "error" && (
          <div className="empty" data-testid="empty-error">
            <h2>Could not load a state</h2>
            <p className="alert error">{error}</p>
            <button type="button" onClick={() => void refill()}>
              Try again
            </button>
          </div>
        )}
        {phase === "done" && (
          <div className="empty" data-testid="all-done">
            <h2>All done — thanks!</h2>
            <p>Every state of round {labeling?.index} you can label has its labels or is being labelled by someone else.</p>
            <p className="muted">If a state comes back (a lease expires), it appears here on its own.</p>
          </div>
        )}
        {phase === "no-round" && (
          <div className="empty" data-testid="empty-no-round">
            <h2>No round is labelling right now</h2>
            {latest ? (
              <p>
                Round {latest.index} is {STATUS_TEXT[latest.status] ?? latest.status}.{" "}
                {latest.status === "published" ? "A lead starts the next round; its states appear here on their own." : "Its states appear here as soon as it starts labelling."}
              </p>
            ) : (
              <p>No round has started yet. A lead starts round 0 (demonstrations); labelling begins in round 1.</p>
            )}
          </div>
        )}
      </div>
    );
  }

  const stateLabel = `${project.envId ?? "External"} state at step ${frame?.t ?? current.state.t}${atState ? "" : " (context)"}`;
  return (
    <div className="labeler" data-testid="labeler" data-task-id={current.task.id} data-state-t={current.state.t} data-round={current.context.roundIndex}>
      {conflict?.taskId === current.task.id && (
        <p className="alert error" data-testid="claim-conflict">
          {conflict.text}
        </p>
      )}
      <div className="canvas-wrap">
        <EnvCanvas
          envId={project.envId}
          state={frame?.envState ?? current.state.envState}
          observation={frame?.observation ?? current.state.observation}
          frameUrl={frame?.frameUrl ?? current.state.frameUrl}
          overlay={overlay}
          label={stateLabel}
          onDraw={onDraw}
          testId="state-canvas"
          dataKey={current.task.id}
          onPointerDown={(e) => {
            if (space.type !== "box") return;
            dragging.current = true;
            e.currentTarget.setPointerCapture(e.pointerId);
            dragTo(e);
          }}
          onPointerMove={(e) => dragging.current && dragTo(e)}
          onPointerUp={() => (dragging.current = false)}
        />
      </div>

      <div className="replay row" role="group" aria-label="Temporal context">
        <button type="button" className="secondary small-button" onClick={replay.toggle} aria-label={replay.playing ? "Pause the context replay (R)" : "Play the context up to the state (R)"} data-testid="replay-toggle">
          {replay.playing ? "❚❚ Pause" : "▶ Play"}
        </button>
        <button type="button" className="secondary small-button" onClick={() => replay.step(-1)} aria-label="Step back one (comma)">
          −1
        </button>
        <button type="button" className="secondary small-button" onClick={() => replay.step(1)} aria-label="Step forward one (period)">
          +1
        </button>
        <label className="inline grow">
          <span className="sr-only">Scrub through the context</span>
          <input type="range" min={0} max={replay.last} value={replay.index} onChange={(e) => replay.seek(Number(e.target.value))} aria-valuetext={`step ${frame?.t ?? 0}`} data-testid="replay-scrub" />
        </label>
        <label className="inline">
          <span className="small">Speed</span>
          <select value={replay.speed} onChange={(e) => replay.setSpeed(Number(e.target.value))} aria-label="Replay speed">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" data-testid="replay-position">
          t={frame?.t ?? current.state.t} / state t={current.state.t} of {current.context.rolloutLength}
        </span>
      </div>

      <div className="row">
        <label className="inline">
          <input type="checkbox" checked={showPolicy} onChange={(e) => setShowPolicy(e.target.checked)} data-testid="toggle-policy" /> Show the policy&apos;s action (P)
        </label>
        {showPolicy && (
          <span className="small" data-testid="policy-action">
            Policy: <strong style={{ color: "#b45309" }}>{formatAction(space, current.policyAction, names)}</strong>
          </span>
        )}
        <span className="spacer" />
        {lastLatency !== null && (
          <span className="muted small" data-testid="latency">
            next state in {Math.round(lastLatency)} ms
          </span>
        )}
      </div>

      {space.type === "discrete" ? (
        <div className="action-buttons" role="group" aria-label="Label: choose the expert's action">
          {names.map((n, i) => (
            <button
              key={i}
              type="button"
              className={chosen === i ? "action selected" : "action"}
              aria-pressed={chosen === i}
              aria-keyshortcuts={String(i + 1)}
              onClick={(e) => choose(i, e.timeStamp)}
              data-testid={`action-${i}`}
            >
              <kbd>{i + 1}</kbd> {n}
            </button>
          ))}
          <label className="inline small">
            <input
              type="checkbox"
              checked={oneKey}
              onChange={(e) => {
                setOneKey(e.target.checked);
                localStorage.setItem("corrective:one-key", e.target.checked ? "1" : "0");
              }}
            />{" "}
            One key labels (otherwise choose, then Enter)
          </label>
        </div>
      ) : (
        <BoxInput space={space} names={names} value={value} onChange={(v) => setBoxValue({ key: taskKey, v })} onSubmit={(t0) => submit(roundBox(space, value), false, t0)} />
      )}

      <div className="row">
        <button type="button" className="secondary" onClick={(e) => submit(null, true, e.timeStamp)} data-testid="cant-tell" aria-keyshortcuts="?">
          Can&apos;t tell <kbd>?</kbd>
        </button>
        <button type="button" className="secondary" onClick={() => void undo()} data-testid="undo" aria-keyshortcuts="u">
          Undo last <kbd>U</kbd>
        </button>
        <span className="muted small">
          Task {current.task.labelCount}/{current.task.required} labels · round {current.context.roundIndex}
        </span>
      </div>
    </div>
  );
}

function BoxInput({ space, names, value, onChange, onSubmit }: { space: Box; names: string[]; value: number[]; onChange: (v: number[]) => void; onSubmit: (t0: number) => void }) {
  return (
    <div className="box-input" role="group" aria-label="Label: set the expert's action">
      {names.map((n, i) => {
        const lo = space.low[i] ?? -1;
        const hi = space.high[i] ?? 1;
        return (
          <label key={i} className="slider">
            <span>
              {n}: <strong data-testid={`value-${i}`}>{(value[i] ?? 0).toFixed(2)}</strong>
            </span>
            <input
              type="range"
              min={lo}
              max={hi}
              step={(hi - lo) / 200}
              value={value[i] ?? 0}
              onChange={(e) => {
                const v = [...value];
                v[i] = Number(e.target.value);
                onChange(v);
              }}
              data-testid={`slider-${i}`}
              aria-valuetext={`${n} ${(value[i] ?? 0).toFixed(2)}`}
            />
            <span className="muted small">
              {lo} … {hi}
            </span>
          </label>
        );
      })}
      <button type="button" onClick={(e) => onSubmit(e.timeStamp)} data-testid="submit-label">
        Submit label <kbd>Enter</kbd>
      </button>
      <span className="muted small">← → nudge 5% (Shift 1%) · 0 centres · drag on the picture · gamepad stick</span>
    </div>
  );
}
