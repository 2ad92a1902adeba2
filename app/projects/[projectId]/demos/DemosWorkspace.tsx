"use client";

/**
 * Round 0 in the browser: the labeller drives a built-in env with the keyboard, a gamepad or the mouse at
 * an adjustable speed, keeps or discards each episode, and submits the kept ones as `teleop`
 * demonstrations. Kept episodes live in localStorage until the server has them.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { API } from "@/contracts/routes";
import { createEnv, type Env } from "@/envs/index";
import { api, errorMessage } from "@/app/_components/api-client";
import { actionNames, formatAction, isTyping } from "@/app/_components/control/actions";
import { useHeldControl } from "@/app/_components/workspace/useHeldControl";
import { useSimLoop } from "@/app/_components/control/useSimLoop";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import { queryKeys, roundsSummary, STATUS_TEXT, useRounds } from "@/app/_components/labeling/queries";
import { PresenceList } from "@/app/_components/realtime/PresenceList";
import { useToasts } from "@/app/_components/Toasts";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import { stepSpeed, useWindowKeys } from "@/app/_components/workspace/useWindowKeys";
import { WorkspaceGrid, WorkspaceProviders, WorkspaceShell } from "@/app/_components/workspace/WorkspaceShell";
import { SpeedSelect } from "@/app/_components/workspace/SpeedSelect";
import { useStoredList } from "@/app/_components/workspace/useStoredList";

export const TELEOP_SPEEDS = [0.1, 0.25, 0.5, 1, 2] as const;

interface Step {
  observation: number[];
  action: number | number[];
  state: number[];
}
interface Episode {
  id: string;
  seed: number;
  steps: Step[];
  return: number;
  /** null while the episode is live (running or paused). */
  end: "terminated" | "truncated" | "stopped" | null;
}

export function DemosWorkspace({ project }: { project: WorkspaceProject }) {
  return (
    <WorkspaceProviders projectId={project.id} view="demos">
      <Demos project={project} />
    </WorkspaceProviders>
  );
}

function Demos({ project }: { project: WorkspaceProject }) {
  const { push: toast } = useToasts();
  const qc = useQueryClient();
  const rounds = useRounds(project.id);
  const { latest } = roundsSummary(rounds.data);
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const storageKey = `corrective:teleop:${project.id}:${project.me.id}`;

  const env = useMemo<Env | null>(() => (project.envId ? createEnv(project.envId) : null), [project.envId]);
  const control = useHeldControl(space, { springBack: true });
  const [speed, setSpeed] = useState(0.5);
  const [running, setRunning] = useState(false);
  const [episode, setEpisode] = useState<Episode | null>(null);
  const episodeRef = useRef<Episode | null>(null);
  const [view, setView] = useState<{ state: number[]; t: number; action: number | number[] | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const lastDiscrete = useRef(0);

  const { list: kept, save: saveKept } = useStoredList<Episode>(storageKey, () => toast({ kind: "error", text: "This browser could not store the kept episodes; submit them soon." }));

  const newEpisode = useCallback(() => {
    if (!env) return;
    const seed = Math.floor(Math.random() * 2 ** 31);
    env.reset(seed);
    const ep: Episode = { id: `${Date.now()}-${seed}`, seed, steps: [], return: 0, end: null };
    episodeRef.current = ep;
    setEpisode(ep);
    setView({ state: env.getState(), t: 0, action: null });
    setRunning(true);
  }, [env]);

  const finish = useCallback((end: NonNullable<Episode["end"]>) => {
    setRunning(false);
    const ep = episodeRef.current;
    if (!ep) return;
    ep.end = end;
    setEpisode({ ...ep });
  }, []);

  useSimLoop(running, project.dt, speed, (elapsedMs) => {
    const ep = episodeRef.current;
    if (!env || !ep) return false;
    let action = control.read(elapsedMs);
    if (space.type === "discrete") {
      if (action === null) action = space.n % 2 === 1 ? Math.floor(space.n / 2) : lastDiscrete.current;
      lastDiscrete.current = action as number;
    } else if (action === null) action = space.low.map((lo, i) => (lo <= 0 && (space.high[i] ?? 0) >= 0 ? 0 : (lo + (space.high[i] ?? lo)) / 2));
    const observation = env.observe();
    const state = env.getState();
    const r = env.step(action);
    ep.steps.push({ observation, action: typeof action === "number" ? action : [...action], state });
    ep.return += r.reward;
    if (r.terminated || r.truncated) {
      setView({ state: env.getState(), t: ep.steps.length, action });
      finish(r.terminated ? "terminated" : "truncated");
      return false;
    }
    setView({ state: env.getState(), t: ep.steps.length, action });
  });

  const keep = useCallback(() => {
    const ep = episodeRef.current;
    if (!ep || ep.end === null || ep.steps.length === 0) return;
    saveKept([...kept, ep]);
    episodeRef.current = null;
    setEpisode(null);
    toast({ kind: "ok", text: `Episode kept (${ep.steps.length} steps).` });
  }, [kept]);
  const discard = useCallback(() => {
    if (running) setRunning(false);
    episodeRef.current = null;
    setEpisode(null);
  }, [running]);

  const canSubmit = latest?.status === "collecting";
  const submit = async () => {
    if (!kept.length || busy) return;
    setBusy(true);
    try {
      const res = await api<{ roundIndex: number; rolloutIds: string[]; steps: number }>(API.demonstrations(project.id), {
        body: { source: "teleop", episodes: kept.map((e) => ({ steps: e.steps })) },
      });
      saveKept([]);
      toast({ kind: "ok", text: `Submitted ${res.data?.rolloutIds.length ?? 0} episode(s), ${res.data?.steps ?? 0} steps, to round ${res.data?.roundIndex}.`, testId: "demos-submitted" });
      void qc.invalidateQueries({ queryKey: queryKeys.rounds(project.id) });
    } catch (err) {
      toast({ kind: "error", text: `Not submitted (your episodes are still kept here): ${errorMessage(err)}`, sticky: true, testId: "demos-error" });
    } finally {
      setBusy(false);
    }
  };

  const startRound0 = async () => {
    try {
      await api(API.rounds(project.id), { body: {} });
      void qc.invalidateQueries({ queryKey: queryKeys.rounds(project.id) });
    } catch (err) {
      toast({ kind: "error", text: errorMessage(err) });
    }
  };
  const closeRound = async () => {
    if (!latest) return;
    try {
      await api(API.closeRound(project.id, latest.index), { method: "POST" });
      void qc.invalidateQueries({ queryKey: queryKeys.rounds(project.id) });
      toast({ kind: "ok", text: `Round ${latest.index} closed: training starts.` });
    } catch (err) {
      toast({ kind: "error", text: errorMessage(err) });
    }
  };

  // Space start/pause, K keep, X discard, [ ] speed.
  useWindowKeys({
    down: (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || e.repeat) return;
      const k = e.key;
      if (k === " " || k === "Enter") {
        e.preventDefault();
        if (episode && episode.end === null) setRunning((r) => !r);
        else newEpisode();
      } else if (k === "k" || k === "K") {
        e.preventDefault();
        keep();
      } else if (k === "x" || k === "X") {
        e.preventDefault();
        discard();
      } else if (k === "e" || k === "E") {
        e.preventDefault();
        if (episode && episode.end === null) finish("stopped");
      } else if (k === "[" || k === "]") {
        e.preventDefault();
        setSpeed(stepSpeed(TELEOP_SPEEDS, speed, k === "]" ? 1 : -1));
      }
    },
  });

  const live = episode !== null && episode.end === null;
  const ended = episode !== null && episode.end !== null && episode.steps.length > 0;
  const overlay = useMemo(() => ({ caption: view ? `t = ${view.t}${running ? "" : " · paused"}` : "", ...(view?.action != null ? { labelAction: view.action } : {}) }), [view, running]);

  const side = (
    <>
      <PresenceList meId={project.me.id} />
      <section className="panel side-panel" aria-labelledby="teleop-keys">
        <h2 id="teleop-keys">Controls</h2>
        <dl className="shortcuts">
          <div>
            <dt>
              <kbd>hold ← →</kbd>
            </dt>
            <dd>{space.type === "discrete" ? `${names.join(" / ")}${space.type === "discrete" && space.n === 3 ? " (↓ middle)" : ""}` : "steer (springs back)"}</dd>
          </div>
          <div>
            <dt>
              <kbd>Space</kbd>
            </dt>
            <dd>start · pause</dd>
          </div>
          <div>
            <dt>
              <kbd>E</kbd> <kbd>K</kbd> <kbd>X</kbd>
            </dt>
            <dd>end · keep · discard</dd>
          </div>
          <div>
            <dt>
              <kbd>[ ]</kbd>
            </dt>
            <dd>slower · faster</dd>
          </div>
          <div>
            <dt>
              <kbd>Gamepad</kbd>
            </dt>
            <dd>stick / d-pad · drag on the picture</dd>
          </div>
        </dl>
      </section>
    </>
  );
  return (
    <WorkspaceShell project={project} title="Demonstrate" banner={{ pending: 0 }}>
      {!project.envId ? (
        <div className="panel empty">This project has no built-in environment; demonstrations arrive through the API.</div>
      ) : (
        <WorkspaceGrid project={project} sideLabel="Round and people" side={side}>
            <RoundNote latest={latest} loading={rounds.isLoading} isLead={project.role === "lead"} onStart={startRound0} onClose={closeRound} />
            <div className="canvas-wrap">
              <EnvCanvas envId={project.envId} state={view?.state ?? null} overlay={overlay} label={`Teleoperation of ${project.envId}, step ${view?.t ?? 0}`} testId="teleop-canvas" {...control.pointer} />
            </div>
            <div className="row">
              {!live ? (
                <button type="button" onClick={newEpisode} data-testid="teleop-start">
                  Start an episode <kbd>Space</kbd>
                </button>
              ) : (
                <button type="button" onClick={() => setRunning((r) => !r)} data-testid="teleop-pause">
                  {running ? "Pause" : "Resume"} <kbd>Space</kbd>
                </button>
              )}
              {live && (
                <button type="button" className="secondary" onClick={() => finish("stopped")} data-testid="teleop-end">
                  End episode <kbd>E</kbd>
                </button>
              )}
              <SpeedSelect speeds={TELEOP_SPEEDS} value={speed} onChange={setSpeed} label="Simulation speed" testId="teleop-speed" />
              <span className="small muted" data-testid="teleop-status">
                {episode ? `step ${episode.steps.length} · return ${episode.return.toFixed(1)}${ended ? ` · ${episode.end}` : ""}` : "No episode running"} · action{" "}
                {formatAction(space, view?.action ?? null, names)}
              </span>
            </div>
            {ended && (
              <div className="row panel" data-testid="teleop-ended">
                <span>
                  Episode over ({episode.end}) after {episode.steps.length} steps, return {episode.return.toFixed(1)}.
                </span>
                <button type="button" onClick={keep} data-testid="teleop-keep">
                  Keep <kbd>K</kbd>
                </button>
                <button type="button" className="secondary" onClick={discard} data-testid="teleop-discard">
                  Discard <kbd>X</kbd>
                </button>
              </div>
            )}
            <section className="panel" aria-labelledby="kept-heading">
              <div className="row">
                <h2 id="kept-heading">Kept episodes</h2>
                <span className="spacer" />
                <button type="button" onClick={() => void submit()} disabled={!kept.length || busy || !canSubmit} data-testid="teleop-submit">
                  {busy ? "Submitting…" : `Submit ${kept.length} episode(s)`}
                </button>
              </div>
              {kept.length === 0 ? (
                <p className="muted small">Kept episodes wait here (saved in this browser) until you submit them.</p>
              ) : (
                <table className="episodes" data-testid="kept-episodes">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Steps</th>
                      <th>Return</th>
                      <th>End</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {kept.map((e, i) => (
                      <tr key={e.id}>
                        <td>{i + 1}</td>
                        <td>{e.steps.length}</td>
                        <td>{e.return.toFixed(1)}</td>
                        <td>{e.end}</td>
                        <td>
                          <button type="button" className="linkish" onClick={() => saveKept(kept.filter((x) => x.id !== e.id))} aria-label={`Remove episode ${i + 1}`}>
                            Remove
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
        </WorkspaceGrid>
      )}
    </WorkspaceShell>
  );
}

function RoundNote({ latest, loading, isLead, onStart, onClose }: { latest: ReturnType<typeof roundsSummary>["latest"]; loading: boolean; isLead: boolean; onStart: () => void; onClose: () => void }) {
  if (loading) return null;
  if (!latest) {
    return (
      <div className="alert error" data-testid="demos-no-round" role="status">
        No round has started yet: a <strong>lead must start round 0</strong> before demonstrations can be submitted. You can still drive and keep episodes now.
        {isLead && (
          <>
            {" "}
            <button type="button" className="small-button" onClick={onStart} data-testid="start-round0">
              Start round 0
            </button>
          </>
        )}
      </div>
    );
  }
  if (latest.status === "collecting") {
    return (
      <div className="alert ok" data-testid="demos-open" role="status">
        Round {latest.index} is collecting demonstrations ({latest.progress.rollouts} episode(s), {latest.progress.states} steps so far).
        {isLead && latest.index === 0 && latest.progress.rollouts > 0 && (
          <>
            {" "}
            <button type="button" className="small-button" onClick={onClose} data-testid="close-round0">
              Close round 0 and train
            </button>
          </>
        )}
      </div>
    );
  }
  return (
    <div className="alert error" data-testid="demos-closed" role="status">
      Round {latest.index} is {STATUS_TEXT[latest.status] ?? latest.status}: teleoperated demonstrations join a <em>collecting</em> round. To correct the current policy, use{" "}
      <strong>Take over</strong>.
    </div>
  );
}
