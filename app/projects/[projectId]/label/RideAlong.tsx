"use client";

/**
 * Ride-along: a slowed replay of one rollout of the labelling round in which the labeller steers all the
 * time (keys held, slider, gamepad stick, or dragging on the picture). Whenever the replay reaches a state
 * that is a labelling task, the action held `reactionMs` later becomes that state's label (people respond
 * to what they see a moment ago; 0 takes the action held at the very frame). Labels go to the same outbox
 * as single-state labels.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { TRideAlong } from "@/contracts/labeling";
import type { TSpace } from "@/contracts/spaces";
import { API } from "@/contracts/routes";
import { ApiError, api, errorMessage, uuid } from "@/app/_components/api-client";
import { actionNames, formatAction, isTyping, roundBox } from "@/app/_components/control/actions";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import type { LabelOutbox } from "@/app/_components/labeling/outbox";
import { roundsSummary, STATUS_TEXT, useRounds } from "@/app/_components/labeling/queries";
import { prefetchFrames } from "@/app/_components/workspace/frame-prefetch";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import { SPEEDS } from "@/app/_components/workspace/useReplay";
import { useHeldAction } from "@/app/_components/workspace/useHeldAction";
import { useReplayClock } from "@/app/_components/workspace/useReplayClock";
import { useWindowKeys } from "@/app/_components/workspace/useWindowKeys";
import { SpeedSelect } from "@/app/_components/workspace/SpeedSelect";

/** Ride-along steps whose pictures are fetched ahead of the replay (a second at 1× for a 30 Hz robot). */
const RIDE_PREFETCH_STEPS = 30;

type Phase = "idle" | "loading" | "riding" | "finished" | "done" | "no-round" | "error";

export interface RideStats {
  rolloutId: string;
  tasks: number;
  labelled: number;
  /** Seconds of replay (at the chosen speed) the ride took, pauses excluded. */
  replaySeconds: number;
  speed: number;
}

declare global {
  interface Window {
    __correctiveRides?: RideStats[];
  }
}

export function RideAlong({ project, outbox, onLabel, onRideState }: { project: WorkspaceProject; outbox: LabelOutbox; onLabel: (roundIndex: number) => void; onRideState: (s: { stateId: string | null; rolloutId: string | null; t: number | null }) => void }) {
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const rounds = useRounds(project.id);
  const { latest, labeling } = roundsSummary(rounds.data);

  const [ride, setRide] = useState<TRideAlong | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<string | null>(null);
  const [reactionMs, setReactionMs] = useState(200);
  const [autoNext, setAutoNext] = useState(true);
  const [showPolicy, setShowPolicy] = useState(false);
  const [labelledCount, setLabelledCount] = useState(0);
  const steer = useHeldAction(space);
  const { held } = steer;
  const rideRef = useRef<TRideAlong | null>(null);
  const labelled = useRef(new Set<string>());
  const ridden = useRef<string[]>([]);

  const taskAt = useMemo(() => new Map((ride?.tasks ?? []).map((t) => [t.t, t])), [ride]);

  const releaseUnlabelled = useCallback(() => {
    const r = rideRef.current;
    if (!r) return;
    for (const t of r.tasks) if (!labelled.current.has(t.taskId)) void api(API.taskRelease(t.taskId), { method: "POST", keepalive: true }).catch(() => {});
  }, []);

  const giveLabel = useCallback(
    (taskId: string) => {
      const r = rideRef.current;
      if (!r || labelled.current.has(taskId)) return;
      labelled.current.add(taskId);
      const h = steer.now();
      const action = space.type === "box" ? roundBox(space, h as number[]) : (h as number);
      outbox.add({ id: uuid(), taskId, projectId: project.id, roundIndex: r.roundIndex, action, cantTell: false, durationMs: reactionMs });
      onLabel(r.roundIndex);
      setLabelledCount(labelled.current.size);
    },
    [outbox, project.id, space, reactionMs, onLabel],
  );

  // The replay clock: a label for each task state it reaches, `reactionMs` later, with the action held then.
  const clock = useReplayClock({
    steps: ride?.steps ?? null,
    dt: project.dt,
    delayMs: reactionMs,
    reach: (i) => {
      const step = ride?.steps[i];
      const task = step ? taskAt.get(step.t) : undefined;
      return task && !labelled.current.has(task.taskId) ? task.taskId : undefined;
    },
    onDue: giveLabel,
    onFrame: steer.poll,
    onEnd: ({ replaySeconds, speed }) => {
      setPhase("finished");
      if (ride) (window.__correctiveRides ??= []).push({ rolloutId: ride.rolloutId, tasks: ride.tasks.length, labelled: labelled.current.size, replaySeconds, speed });
    },
  });
  const { index, playing, speed, restart: restartClock } = clock;

  const start = useCallback(async () => {
    releaseUnlabelled();
    setPhase("loading");
    setError(null);
    try {
      const res = await api<TRideAlong>(API.rideAlong(project.id), { body: { maxTasks: 60, excludeRollouts: ridden.current.slice(-50) } });
      if (res.status === 204 || !res.data) {
        rideRef.current = null;
        setRide(null);
        setPhase(labeling ? "done" : "no-round");
        return;
      }
      const r = res.data;
      ridden.current.push(r.rolloutId);
      rideRef.current = r;
      labelled.current = new Set();
      setRide(r);
      setLabelledCount(0);
      setPhase("riding");
      restartClock();
    } catch (err) {
      setError(errorMessage(err));
      setPhase("error");
      if (err instanceof ApiError && err.transient) setTimeout(() => void startRef.current(), 2000);
    }
  }, [project.id, labeling, releaseUnlabelled, restartClock]);
  const startRef = useRef(start);
  startRef.current = start;

  useEffect(() => () => releaseUnlabelled(), [releaseUnlabelled]);
  useEffect(() => {
    window.addEventListener("pagehide", releaseUnlabelled);
    return () => window.removeEventListener("pagehide", releaseUnlabelled);
  }, [releaseUnlabelled]);

  // After a ride: the next one after a short pause.
  useEffect(() => {
    if (phase !== "finished" || !autoNext) return;
    const t = setTimeout(() => void startRef.current(), 1200);
    return () => clearTimeout(t);
  }, [phase, autoNext]);

  // Start riding once a round is labelling (and again when a new one starts).
  const labelingIndex = labeling?.index ?? null;
  useEffect(() => {
    if (labelingIndex !== null && (phase === "idle" || phase === "done" || phase === "no-round")) void startRef.current();
    if (labelingIndex === null && rounds.data && phase !== "riding") setPhase("no-round");
    // `phase` is read here, not a trigger: only a round change starts a ride on its own.
  }, [labelingIndex, rounds.data]);

  // The round stopped labelling (closed by the lead, or finished): stop the ride; its labels are refused now.
  useEffect(() => {
    const r = rideRef.current;
    if (!r || !rounds.data) return;
    if (rounds.data.some((x) => x.index === r.roundIndex && x.status === "labeling")) return;
    clock.stop();
    rideRef.current = null;
    setRide(null);
    setPhase("no-round");
  }, [rounds.data]);

  // Keyboard: Space/Enter play-pause, [ ] speed, P policy, digits/arrows steer, 0 centres, Esc stops.
  const onKey = (e: KeyboardEvent, down: boolean) => {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    const k = e.key;
    if (!down) return steer.keyUp(k);
    if (k === " " || k === "Enter") {
      e.preventDefault();
      if (e.repeat) return;
      if (phase === "riding") clock.toggle();
      else if (phase !== "loading") void start();
      return;
    }
    if (k === "[" || k === "]") {
      e.preventDefault();
      clock.stepSpeed(k === "]" ? 1 : -1);
      return;
    }
    if (k === "p" || k === "P") return e.preventDefault(), setShowPolicy((s) => !s);
    if (k === "Escape") {
      e.preventDefault();
      clock.pause();
      return;
    }
    steer.keyDown(e);
  };
  useWindowKeys({ down: (e) => onKey(e, true), up: (e) => onKey(e, false), blur: steer.releaseKeys });

  const step = ride?.steps[index] ?? null;
  // The pictures (every camera) of the next steps load ahead of the replay, a window at a time.
  const prefetchFrom = Math.floor(index / RIDE_PREFETCH_STEPS) * RIDE_PREFETCH_STEPS;
  useEffect(() => {
    if (ride) prefetchFrames(ride.steps.slice(prefetchFrom, prefetchFrom + 2 * RIDE_PREFETCH_STEPS));
  }, [ride, prefetchFrom]);
  const atTask = step ? taskAt.get(step.t) : undefined;
  useEffect(() => {
    onRideState({ stateId: atTask?.stateId ?? null, rolloutId: ride?.rolloutId ?? null, t: step?.t ?? null });
  }, [atTask?.stateId, ride?.rolloutId, step?.t, onRideState]);

  const overlay = useMemo(
    () => ({
      caption: `t = ${step?.t ?? 0} · ride-along${atTask ? " · labelling this state" : ""}`,
      labelAction: held,
      ...(showPolicy && step?.policyAction != null ? { policyAction: step.policyAction } : {}),
    }),
    [step, atTask, held, showPolicy],
  );

  if (project.role === "viewer") return <div className="panel empty">Viewers cannot label.</div>;

  return (
    <div className="labeler" data-testid="ride-along" data-phase={phase} data-labelled={labelledCount} data-tasks={ride?.tasks.length ?? 0}>
      {phase === "no-round" && (
        <div className="panel empty" data-testid="empty-no-round">
          <h2>No round is labelling right now</h2>
          <p>{latest ? `Round ${latest.index} is ${STATUS_TEXT[latest.status] ?? latest.status}.` : "No round has started yet."} Rides start on their own when a round labels.</p>
        </div>
      )}
      {phase === "done" && (
        <div className="panel empty" data-testid="all-done">
          <h2>All done — thanks!</h2>
          <p>No rollout of round {labeling?.index} has states left for you.</p>
          <button type="button" onClick={() => void start()}>
            Look again
          </button>
        </div>
      )}
      {phase === "error" && (
        <p className="alert error" role="alert">
          {error}{" "}
          <button type="button" className="secondary small-button" onClick={() => void start()}>
            Retry
          </button>
        </p>
      )}
      {(phase === "loading" || phase === "idle") && !ride && (
        <div className="panel empty" data-testid="loading">
          <div className="skeleton" aria-hidden />
          <p>Finding a rollout to ride along…</p>
        </div>
      )}
      {ride && (phase === "riding" || phase === "finished" || phase === "loading") && (
        <>
          <div className="canvas-wrap">
            <EnvCanvas
              envId={project.envId}
              state={step?.envState ?? null}
              observation={step?.observation ?? null}
              frameUrl={step?.frameUrl ?? null}
              cameras={step?.cameras}
              overlay={overlay}
              label={`Ride-along replay, step ${step?.t ?? 0}`}
              testId="ride-canvas"
              {...steer.pointer}
            />
          </div>
          <div className="progress" role="progressbar" aria-label="Ride progress" aria-valuemin={0} aria-valuemax={ride.steps.length - 1} aria-valuenow={index}>
            <div className="progress-fill" style={{ width: `${(100 * index) / Math.max(1, ride.steps.length - 1)}%` }} />
          </div>
          <div className="row">
            <button type="button" onClick={() => (phase === "riding" ? clock.toggle() : void start())} data-testid="ride-toggle">
              {phase === "finished" ? "Next rollout" : playing ? "❚❚ Pause" : "▶ Ride"} <kbd>Space</kbd>
            </button>
            <SpeedSelect speeds={SPEEDS} value={speed} onChange={clock.setSpeed} label="Replay speed" testId="ride-speed" />
            <label className="inline">
              <span className="small">Reaction time</span>
              <select value={reactionMs} onChange={(e) => setReactionMs(Number(e.target.value))} aria-label="Reaction-time compensation">
                {[0, 100, 200, 300, 500].map((ms) => (
                  <option key={ms} value={ms}>
                    {ms} ms
                  </option>
                ))}
              </select>
            </label>
            <label className="inline small">
              <input type="checkbox" checked={autoNext} onChange={(e) => setAutoNext(e.target.checked)} /> Next rollout automatically
            </label>
            <label className="inline small">
              <input type="checkbox" checked={showPolicy} onChange={(e) => setShowPolicy(e.target.checked)} /> Policy (P)
            </label>
          </div>
          <p className="small" data-testid="ride-status">
            Step t={step?.t ?? 0} of rollout ({ride.rolloutLength} steps) · <strong data-testid="ride-labelled">{labelledCount}</strong> of {ride.tasks.length} states labelled · holding{" "}
            <strong data-testid="ride-held">{formatAction(space, held, names)}</strong>
          </p>
          {space.type === "box" ? (
            <RideSliders space={space} names={names} value={held as number[]} onChange={steer.set} />
          ) : (
            <div className="action-buttons" role="group" aria-label="Action held">
              {names.map((n, i) => (
                <button key={i} type="button" className={held === i ? "action selected" : "action"} aria-pressed={held === i} onClick={() => steer.set(i)}>
                  <kbd>{i + 1}</kbd> {n}
                </button>
              ))}
            </div>
          )}
        </>
      )}
    </div>
  );
}

function RideSliders({ space, names, value, onChange }: { space: Extract<TSpace, { type: "box" }>; names: string[]; value: number[]; onChange: (v: number[]) => void }) {
  return (
    <div className="box-input" role="group" aria-label="Action held">
      {names.map((n, i) => (
        <label key={i} className="slider">
          <span>
            {n}: <strong>{(value[i] ?? 0).toFixed(2)}</strong>
          </span>
          <input
            type="range"
            min={space.low[i]}
            max={space.high[i]}
            step={((space.high[i] ?? 1) - (space.low[i] ?? -1)) / 200}
            value={value[i] ?? 0}
            onChange={(e) => {
              const v = [...value];
              v[i] = Number(e.target.value);
              onChange(v);
            }}
            data-testid={`ride-slider-${i}`}
          />
        </label>
      ))}
      <span className="muted small">Hold ← → to steer · 0 centres · drag on the picture · gamepad stick</span>
    </div>
  );
}
