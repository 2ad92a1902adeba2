"use client";

/**
 * Live takeover (HG-DAgger): the latest published policy drives the built-in env in the browser
 * (`policies/latest` → base64 → `Policy.fromBlob`). Holding Space (or pressing T) hands control to the
 * labeller; every contiguous stretch under human control is a segment of (observation, action, state)
 * steps, posted as a `takeover` demonstration episode. Unsent segments stay in localStorage.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { API } from "@/contracts/routes";
import { createEnv, type Env } from "@/envs/index";
import { ApiError, api, errorMessage } from "@/app/_components/api-client";
import { actionNames, boxMid, formatAction, isTyping } from "@/app/_components/control/actions";
import { useHeldControl } from "@/app/_components/workspace/useHeldControl";
import { useSimLoop } from "@/app/_components/control/useSimLoop";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import { useBrowserPolicy, type ActingPolicy } from "@/app/_components/policy/browser-policy";
import { queryKeys, roundsSummary, STATUS_TEXT, useRounds } from "@/app/_components/labeling/queries";
import { PresenceList } from "@/app/_components/realtime/PresenceList";
import { useToasts } from "@/app/_components/Toasts";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import { stepSpeed, useWindowKeys } from "@/app/_components/workspace/useWindowKeys";
import { WorkspaceGrid, WorkspaceProviders, WorkspaceShell } from "@/app/_components/workspace/WorkspaceShell";
import { SpeedSelect } from "@/app/_components/workspace/SpeedSelect";
import { useStoredList } from "@/app/_components/workspace/useStoredList";

const SPEEDS = [0.25, 0.5, 1, 2] as const;

interface Step {
  observation: number[];
  action: number | number[];
  state: number[];
}
interface Segment {
  id: string;
  policyVersion: number;
  steps: Step[];
}

export function TakeoverWorkspace({ project }: { project: WorkspaceProject }) {
  return (
    <WorkspaceProviders projectId={project.id} view="takeover">
      <Takeover project={project} />
    </WorkspaceProviders>
  );
}

function Takeover({ project }: { project: WorkspaceProject }) {
  const { push: toast } = useToasts();
  const qc = useQueryClient();
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const rounds = useRounds(project.id);
  const { latest } = roundsSummary(rounds.data);
  const loaded = useBrowserPolicy(project.id);
  const storageKey = `corrective:takeover:${project.id}:${project.me.id}`;

  const env = useMemo<Env | null>(() => (project.envId ? createEnv(project.envId) : null), [project.envId]);
  const control = useHeldControl(space, { springBack: true });
  const [speed, setSpeed] = useState(0.5);
  const [running, setRunning] = useState(false);
  const [toggled, setToggled] = useState(false);
  const spaceHeld = useRef(false);
  const [holding, setHolding] = useState(false);
  const active = useRef<{ policy: ActingPolicy; version: number } | null>(null);
  const [episode, setEpisode] = useState<{ seed: number; t: number; ret: number; humanSteps: number; done: string | null; version: number } | null>(null);
  const [view, setView] = useState<{ state: number[]; policyAction: number | number[] | null; action: number | number[] | null; human: boolean } | null>(null);
  const segment = useRef<Segment | null>(null);
  const { list: pending, ref: pendingRef, save: savePending } = useStoredList<Segment>(storageKey);
  const [autoSend, setAutoSend] = useState(true);
  const [sending, setSending] = useState(false);
  const lastDiscrete = useRef(0);


  const send = useCallback(async () => {
    const list = pendingRef.current;
    if (!list.length || sending) return;
    setSending(true);
    try {
      const res = await api<{ roundIndex: number; rolloutIds: string[]; steps: number }>(API.demonstrations(project.id), {
        body: { source: "takeover", episodes: list.map((s) => ({ steps: s.steps })) },
      });
      savePending(pendingRef.current.filter((s) => !list.includes(s)));
      toast({ kind: "ok", text: `Saved ${res.data?.rolloutIds.length ?? 0} takeover segment(s), ${res.data?.steps ?? 0} steps, to round ${res.data?.roundIndex}.`, testId: "takeover-saved" });
      void qc.invalidateQueries({ queryKey: queryKeys.rounds(project.id) });
    } catch (err) {
      toast({ kind: "error", text: `Segments not saved yet (kept in this browser): ${errorMessage(err)}`, testId: "takeover-error" });
    } finally {
      setSending(false);
    }
  }, [project.id, qc, savePending, sending, toast]);

  const closeSegment = useCallback(() => {
    const s = segment.current;
    segment.current = null;
    if (s && s.steps.length > 0) savePending([...pendingRef.current, s]);
  }, [savePending]);

  const start = useCallback(() => {
    if (!env || !loaded.data) return;
    closeSegment();
    active.current = { policy: loaded.data.policy, version: loaded.data.version };
    const seed = Math.floor(Math.random() * 2 ** 31);
    env.reset(seed);
    setEpisode({ seed, t: 0, ret: 0, humanSteps: 0, done: null, version: loaded.data.version });
    setView({ state: env.getState(), policyAction: null, action: null, human: false });
    setRunning(true);
  }, [env, loaded.data, closeSegment]);

  const human = () => spaceHeld.current || toggled;

  useSimLoop(running, project.dt, speed, (elapsedMs) => {
    const a = active.current;
    if (!env || !a) return false;
    const observation = env.observe();
    const state = env.getState();
    // An image policy (a camera env such as CarTrackPixels-v0) sees `{ state, <camera>: pixels }`, rendered
    // by the same rasteriser as in Node.
    const policyAction = a.policy.act(a.policy.isVisual && env.observeImages ? { state: observation, ...env.observeImages() } : observation).action;
    const inControl = human();
    let action: number | number[];
    if (inControl) {
      const input = control.read(elapsedMs);
      if (space.type === "discrete") action = input === null ? lastDiscrete.current : (input as number);
      else action = input === null ? boxMid(space) : (input as number[]);
      if (typeof action === "number") lastDiscrete.current = action;
      const seg = (segment.current ??= { id: `${Date.now()}-${state.join(",").length}`, policyVersion: a.version, steps: [] });
      seg.steps.push({ observation, action: typeof action === "number" ? action : [...action], state });
    } else {
      if (segment.current) closeSegment();
      action = policyAction;
      if (typeof action === "number") lastDiscrete.current = action;
    }
    const r = env.step(action);
    setEpisode((ep) => (ep ? { ...ep, t: ep.t + 1, ret: ep.ret + r.reward, humanSteps: ep.humanSteps + (inControl ? 1 : 0) } : ep));
    setView({ state: env.getState(), policyAction, action, human: inControl });
    if (r.terminated || r.truncated) {
      closeSegment();
      setEpisode((ep) => (ep ? { ...ep, done: r.terminated ? "terminated" : "truncated" } : ep));
      setRunning(false);
      return false;
    }
  });

  // Send at the end of each episode (or when paused) if asked to.
  useEffect(() => {
    if (!running && autoSend && pending.length > 0) void send();
  }, [running, autoSend, pending.length, send]);

  // Keys: hold Space = you drive; T toggles; Enter start/pause; N new episode; [ ] speed.
  const onKey = (e: KeyboardEvent, down: boolean) => {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    const k = e.key;
    if (k === " ") {
      e.preventDefault();
      spaceHeld.current = down;
      setHolding(down);
      return;
    }
    if (!down || e.repeat) return;
    if (k === "t" || k === "T") {
      e.preventDefault();
      setToggled((t) => !t);
    } else if (k === "Enter") {
      e.preventDefault();
      if (episode && !episode.done) setRunning((r) => !r);
      else start();
    } else if (k === "n" || k === "N") {
      e.preventDefault();
      start();
    } else if (k === "[" || k === "]") {
      e.preventDefault();
      setSpeed(stepSpeed(SPEEDS, speed, k === "]" ? 1 : -1));
    }
  };
  useWindowKeys({
    down: (e) => onKey(e, true),
    up: (e) => onKey(e, false),
    blur: () => {
      spaceHeld.current = false;
      setHolding(false);
    },
  });

  // While running, who drove the last step; otherwise who would drive if it ran now.
  const inControl = running ? (view?.human ?? false) : holding || toggled;
  const overlay = useMemo(
    () => ({
      caption: view ? `t = ${episode?.t ?? 0} · ${view.human ? "you are driving" : `policy v${episode?.version ?? "?"} is driving`}` : "",
      ...(view?.policyAction != null ? { policyAction: view.policyAction } : {}),
      ...(view?.human && view.action != null ? { labelAction: view.action } : {}),
    }),
    [view, episode?.t, episode?.version],
  );
  const accepting = latest?.status === "collecting" || latest?.status === "labeling";
  const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
  const newer = loaded.data && episode && loaded.data.version !== episode.version;

  const side = (
    <>
      <PresenceList meId={project.me.id} />
      <section className="panel side-panel" aria-labelledby="takeover-keys">
        <h2 id="takeover-keys">Controls</h2>
        <dl className="shortcuts">
          <div>
            <dt>
              <kbd>hold Space</kbd>
            </dt>
            <dd>you drive while held</dd>
          </div>
          <div>
            <dt>
              <kbd>T</kbd>
            </dt>
            <dd>take / give back control</dd>
          </div>
          <div>
            <dt>
              <kbd>← →</kbd>
            </dt>
            <dd>{space.type === "discrete" ? names.join(" / ") : "steer"}</dd>
          </div>
          <div>
            <dt>
              <kbd>Enter</kbd> <kbd>N</kbd>
            </dt>
            <dd>start · pause · new episode</dd>
          </div>
          <div>
            <dt>
              <kbd>[ ]</kbd>
            </dt>
            <dd>slower · faster</dd>
          </div>
        </dl>
      </section>
    </>
  );
  return (
    <WorkspaceShell project={project} title="Take over" banner={{ pending: pending.reduce((a, s) => a + (s.steps.length > 0 ? 1 : 0), 0) }}>
      {!project.envId ? (
        <div className="panel empty">This project has no built-in environment to run a policy in.</div>
      ) : (
        <WorkspaceGrid project={project} sideLabel="Round and people" side={side}>
            {loaded.isLoading && (
              <p className="muted" data-testid="policy-loading">
                Loading the latest policy…
              </p>
            )}
            {notFound && (
              <div className="alert error" data-testid="no-policy" role="status">
                No policy has been published yet. Round 0 (demonstrations) trains the first one.
              </div>
            )}
            {loaded.isError && !notFound && <div className="alert error">Could not load the policy: {errorMessage(loaded.error)}</div>}
            {loaded.data && (
              <p className="small" data-testid="policy-version" data-version={loaded.data.version}>
                Running policy <strong>v{loaded.data.version}</strong> in this browser.
                {newer ? " A newer policy was published: it drives from the next episode." : ""}
              </p>
            )}
            {latest && !accepting && (
              <div className="alert error" data-testid="takeover-closed" role="status">
                Round {latest.index} is {STATUS_TEXT[latest.status] ?? latest.status}: takeover segments are accepted while a round collects or labels. Yours are kept here until then.
              </div>
            )}
            <div className="canvas-wrap">
              <EnvCanvas envId={project.envId} state={view?.state ?? null} overlay={overlay} label={`Takeover: ${project.envId} step ${episode?.t ?? 0}`} testId="takeover-canvas" {...control.pointer} />
            </div>
            <div className="row">
              <span className={`control-badge ${inControl ? "human" : "policy"}`} data-testid="control-badge" data-control={inControl ? "human" : "policy"} role="status">
                {inControl ? "YOU ARE DRIVING" : "POLICY DRIVING"}
              </span>
              <button type="button" onClick={() => (episode && !episode.done ? setRunning((r) => !r) : start())} disabled={!loaded.data} data-testid="takeover-run">
                {episode && !episode.done ? (running ? "Pause" : "Resume") : "Start an episode"} <kbd>Enter</kbd>
              </button>
              <button type="button" className={toggled ? "" : "secondary"} aria-pressed={toggled} onClick={() => setToggled((t) => !t)} data-testid="takeover-toggle">
                Take control <kbd>T</kbd>
              </button>
              <SpeedSelect speeds={SPEEDS} value={speed} onChange={setSpeed} label="Simulation speed" />
            </div>
            <p className="small" data-testid="takeover-status" data-steps={episode?.t ?? 0} data-human-steps={episode?.humanSteps ?? 0}>
              {episode ? `Step ${episode.t} · return ${episode.ret.toFixed(1)} · you drove ${episode.humanSteps} steps${episode.done ? ` · episode ${episode.done}` : ""}` : "Press Enter to start."} · policy proposes{" "}
              <strong>{formatAction(space, view?.policyAction ?? null, names)}</strong>
            </p>
            <section className="panel" aria-labelledby="segments-heading">
              <div className="row">
                <h2 id="segments-heading">Takeover segments</h2>
                <span className="spacer" />
                <label className="inline small">
                  <input type="checkbox" checked={autoSend} onChange={(e) => setAutoSend(e.target.checked)} /> Send at the end of each episode
                </label>
                <button type="button" onClick={() => void send()} disabled={!pending.length || sending} data-testid="takeover-send">
                  {sending ? "Sending…" : `Send ${pending.length} segment(s)`}
                </button>
              </div>
              <p className="muted small" data-testid="segments-pending" data-count={pending.length}>
                {pending.length ? `${pending.length} segment(s), ${pending.reduce((a, s) => a + s.steps.length, 0)} steps waiting.` : "Hold Space (or press T) while the policy drives to correct it; each stretch you drive is saved as a segment."}
              </p>
            </section>
        </WorkspaceGrid>
      )}
    </WorkspaceShell>
  );
}
