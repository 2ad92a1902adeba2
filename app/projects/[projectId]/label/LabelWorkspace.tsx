"use client";

/**
 * The labelling workspace: single-state labelling or ride-along on the left; the round's live progress,
 * personal progress, who is online, the shortcut sheet and comments on the right. One socket.io
 * connection and one label outbox serve both modes.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { TNextTask } from "@/contracts/rounds";
import { CommentsPanel } from "@/app/_components/Comments";
import { LabelOutbox } from "@/app/_components/labeling/outbox";
import { roundsSummary, useRounds } from "@/app/_components/labeling/queries";
import { PresenceList } from "@/app/_components/realtime/PresenceList";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import { useLabelStats } from "@/app/_components/workspace/useLabelStats";
import { WorkspaceGrid, WorkspaceProviders, WorkspaceShell } from "@/app/_components/workspace/WorkspaceShell";
import { RideAlong } from "./RideAlong";
import { ShortcutSheet } from "./ShortcutSheet";
import { SingleLabeler } from "./SingleLabeler";

type Mode = "single" | "ride";

export function LabelWorkspace({ project, initialMode }: { project: WorkspaceProject; initialMode: Mode }) {
  const [mode, setMode] = useState<Mode>(initialMode);
  return (
    <WorkspaceProviders projectId={project.id} view={mode === "ride" ? "ride" : "label"}>
      <Workspace project={project} mode={mode} setMode={setMode} />
    </WorkspaceProviders>
  );
}

function useOutboxState(outbox: LabelOutbox) {
  const subscribe = useCallback((fn: () => void) => outbox.subscribe(() => fn()), [outbox]);
  const pending = useSyncExternalStore(subscribe, () => outbox.pendingCount, () => 0);
  const status = useSyncExternalStore(subscribe, () => outbox.status, () => "idle");
  return { pending, status };
}

function Workspace({ project, mode, setMode }: { project: WorkspaceProject; mode: Mode; setMode: (m: Mode) => void }) {
  const outbox = useMemo(() => new LabelOutbox(project.me.id), [project.me.id]);
  useEffect(() => outbox.start(), [outbox]);
  const { pending, status } = useOutboxState(outbox);
  const { stats, onLabel, onUndo, onRound } = useLabelStats(project.myLabelsThisRound, project.labelingRoundIndex);
  const rounds = useRounds(project.id);
  const { labeling } = roundsSummary(rounds.data);
  useEffect(() => onRound(labeling?.index ?? null), [labeling?.index, onRound]);

  const [target, setTarget] = useState<{ stateId: string | null; rolloutId: string | null; t: number | null }>({ stateId: null, rolloutId: null, t: null });
  const onTask = useCallback((t: TNextTask | null) => setTarget({ stateId: t?.state.id ?? null, rolloutId: t?.context.rolloutId ?? null, t: t?.state.t ?? null }), []);
  const [sheetOpen, setSheetOpen] = useState(true);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const focusComment = useCallback(() => commentRef.current?.focus(), []);
  const toggleSheet = useCallback(() => setSheetOpen((o) => !o), []);

  const switchMode = (m: Mode) => {
    setMode(m);
    const url = new URL(window.location.href);
    if (m === "ride") url.searchParams.set("mode", "ride");
    else url.searchParams.delete("mode");
    window.history.replaceState(null, "", url);
  };

  const tabs = (
    <div className="tabs" role="tablist" aria-label="Labelling mode">
      <button type="button" role="tab" aria-selected={mode === "single"} className={mode === "single" ? "tab active" : "tab"} onClick={() => switchMode("single")} data-testid="mode-single">
        One state at a time
      </button>
      <button type="button" role="tab" aria-selected={mode === "ride"} className={mode === "ride" ? "tab active" : "tab"} onClick={() => switchMode("ride")} data-testid="mode-ride">
        Ride-along
      </button>
    </div>
  );
  const side = (
    <>
      <section className="panel side-panel" aria-labelledby="mine-heading" data-testid="my-progress">
        <h2 id="mine-heading">You</h2>
        <p>
          <strong data-testid="my-count">{stats.mine}</strong> labels this round · <span data-testid="my-session">{stats.session}</span> this session
        </p>
        <p className="small">
          Streak <strong data-testid="my-streak">{stats.streak}</strong> (best {stats.best}) — labels less than 30 s apart
        </p>
      </section>
      <PresenceList meId={project.me.id} />
      <ShortcutSheet space={project.actionSpace} mode={mode} open={sheetOpen} onToggle={toggleSheet} />
      <CommentsPanel ref={commentRef} projectId={project.id} stateId={target.stateId} rolloutId={target.rolloutId} t={target.t} members={project.members} meId={project.me.id} canWrite={project.role !== "viewer"} />
    </>
  );

  return (
    <WorkspaceShell project={project} title="Label" tabs={tabs} banner={{ pending, signedOut: status === "signed-out", onRetry: () => outbox.retryNow() }}>
      <WorkspaceGrid project={project} mainRole="tabpanel" sideLabel="Progress, people and comments" side={side}>
        {mode === "single" ? (
          <SingleLabeler project={project} outbox={outbox} onLabel={onLabel} onUndo={onUndo} onTask={onTask} showShortcuts={toggleSheet} focusComment={focusComment} />
        ) : (
          <RideAlong project={project} outbox={outbox} onLabel={onLabel} onRideState={setTarget} />
        )}
      </WorkspaceGrid>
    </WorkspaceShell>
  );
}
