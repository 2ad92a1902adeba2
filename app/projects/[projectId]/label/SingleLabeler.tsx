"use client";

/**
 * One state at a time: the state with its temporal context, the policy's proposal on request, and input
 * fitted to the action space. The queue of claimed tasks (`useTaskQueue`) swaps the next state in
 * synchronously on submit; the input (`useLabelInput`) turns keys, buttons, sliders, drags and a gamepad
 * into labels. This file only lays them out.
 */
import { useCallback, useMemo, useState } from "react";
import type { TNextTask } from "@/contracts/rounds";
import { actionNames, formatAction, roundBox } from "@/app/_components/control/actions";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import type { LabelOutbox } from "@/app/_components/labeling/outbox";
import { BoxInput, QueueEmpty, ReplayControls } from "@/app/_components/workspace/LabelerParts";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import { useLabelInput } from "@/app/_components/workspace/useLabelInput";
import { useReplay } from "@/app/_components/workspace/useReplay";
import { useTaskQueue } from "@/app/_components/workspace/useTaskQueue";

export interface SingleLabelerProps {
  project: WorkspaceProject;
  outbox: LabelOutbox;
  onLabel: (roundIndex: number) => void;
  onUndo: () => void;
  onTask: (task: TNextTask | null) => void;
  showShortcuts: () => void;
  focusComment: () => void;
}

export function SingleLabeler({ project, outbox, onLabel, onUndo, onTask, showShortcuts, focusComment }: SingleLabelerProps) {
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const q = useTaskQueue({ projectId: project.id, outbox, onLabel, onUndo, onTask });
  const { current } = q;
  const [showPolicy, setShowPolicy] = useState(false);

  const taskKey = current?.task.id ?? "none";
  const frames = useMemo(() => current?.context.before ?? [], [current]);
  const replay = useReplay(taskKey, frames.length, project.dt);
  const atState = replay.index >= replay.last;
  const frame = frames[replay.index] ?? null;
  const togglePolicy = useCallback(() => setShowPolicy((s) => !s), []);
  const input = useLabelInput({ space, taskKey, taskNow: q.taskNow, submit: q.submit, undo: q.undo, replay, togglePolicy, showShortcuts, focusComment });
  const { chosen, value } = input;

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

  if (project.role === "viewer") {
    return (
      <div className="panel empty" data-testid="viewer-only">
        <h2>Viewers cannot label</h2>
        <p>Ask a lead of {project.name} to make you a labeller.</p>
      </div>
    );
  }

  if (!current) return <QueueEmpty phase={q.phase} error={q.error} rounds={q.rounds} onRetry={q.retry} />;

  const stateLabel = `${project.envId ?? "External"} state at step ${frame?.t ?? current.state.t}${atState ? "" : " (context)"}`;
  return (
    <div className="labeler" data-testid="labeler" data-task-id={current.task.id} data-state-t={current.state.t} data-round={current.context.roundIndex}>
      {q.conflict?.taskId === current.task.id && (
        <p className="alert error" data-testid="claim-conflict">
          {q.conflict.text}
        </p>
      )}
      <div className="canvas-wrap">
        <EnvCanvas
          envId={project.envId}
          state={frame?.envState ?? current.state.envState}
          observation={frame?.observation ?? current.state.observation}
          frameUrl={frame?.frameUrl ?? current.state.frameUrl}
          cameras={frame?.cameras ?? current.state.cameras}
          overlay={overlay}
          label={stateLabel}
          onDraw={q.onDraw}
          testId="state-canvas"
          dataKey={current.task.id}
          {...input.pointer}
        />
      </div>

      <ReplayControls replay={replay} frameT={frame?.t ?? null} stateT={current.state.t} rolloutLength={current.context.rolloutLength} />

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
        {q.lastLatency !== null && (
          <span className="muted small" data-testid="latency">
            next state in {Math.round(q.lastLatency)} ms
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
              onClick={(e) => input.choose(i, e.timeStamp)}
              data-testid={`action-${i}`}
            >
              <kbd>{i + 1}</kbd> {n}
            </button>
          ))}
          <label className="inline small">
            <input type="checkbox" checked={input.oneKey} onChange={(e) => input.setOneKey(e.target.checked)} /> One key labels (otherwise choose, then Enter)
          </label>
        </div>
      ) : (
        <BoxInput space={space} names={names} value={value} onChange={input.setValue} onSubmit={(t0) => q.submit(roundBox(space, value), false, t0)} />
      )}

      <div className="row">
        <button type="button" className="secondary" onClick={(e) => q.submit(null, true, e.timeStamp)} data-testid="cant-tell" aria-keyshortcuts="?">
          Can&apos;t tell <kbd>?</kbd>
        </button>
        <button type="button" className="secondary" onClick={() => void q.undo()} data-testid="undo" aria-keyshortcuts="u">
          Undo last <kbd>U</kbd>
        </button>
        <span className="muted small">
          Task {current.task.labelCount}/{current.task.required} labels · round {current.context.roundIndex}
        </span>
      </div>
    </div>
  );
}
