"use client";

/**
 * The labelling workspace: single-state labelling or ride-along on the left; the round's live progress,
 * personal progress, who is online, the shortcut sheet and comments on the right. One socket.io
 * connection and one label outbox serve both modes.
 */
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { ProjectEvent } from "@/contracts/realtime";
import type { TNextTask } from "@/contracts/rounds";
import { PAGES } from "@/contracts/routes";
import { CommentsPanel } from "@/app/_components/Comments";
import { LabelOutbox } from "@/app/_components/labeling/outbox";
import { roundsSummary, useRounds } from "@/app/_components/labeling/queries";
import { OfflineBanner } from "@/app/_components/OfflineBanner";
import { ProjectRealtimeProvider, useProjectEvents } from "@/app/_components/realtime/ProjectRealtime";
import { PresenceList } from "@/app/_components/realtime/PresenceList";
import { RoundPanel } from "@/app/_components/RoundPanel";
import { ToastProvider, useToasts } from "@/app/_components/Toasts";
import "@/app/_components/workspace.css";
import { RideAlong } from "./RideAlong";
import { ShortcutSheet } from "./ShortcutSheet";
import { SingleLabeler } from "./SingleLabeler";
import { useLabelStats } from "./useLabelStats";
import type { WorkspaceProject } from "./workspace-props";

type Mode = "single" | "ride";

export function LabelWorkspace({ project, initialMode }: { project: WorkspaceProject; initialMode: Mode }) {
  const [mode, setMode] = useState<Mode>(initialMode);
  return (
    <ToastProvider>
      <ProjectRealtimeProvider projectId={project.id} view={mode === "ride" ? "ride" : "label"}>
        <Workspace project={project} mode={mode} setMode={setMode} />
      </ProjectRealtimeProvider>
    </ToastProvider>
  );
}

/** Live notices every workspace page shows: a new policy, and comments that mention me. */
export function useWorkspaceNotices(meId: string) {
  const { push } = useToasts();
  const onEvent = useCallback(
    (e: ProjectEvent) => {
      if (e.type === "policy:published") push({ kind: "ok", text: `Policy v${e.version} published (round ${e.roundIndex}).`, testId: "toast-policy" });
      if (e.type === "comment:added" && e.comment.author.id !== meId && e.comment.mentions.some((m) => m.id === meId)) {
        push({ kind: "mention", text: `${e.comment.author.name} mentioned you: “${e.comment.body.slice(0, 120)}”`, sticky: true, testId: "toast-mention" });
      }
    },
    [meId, push],
  );
  useProjectEvents(onEvent);
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
  useWorkspaceNotices(project.me.id);

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

  return (
    <div className="workspace">
      <div className="row workspace-head">
        <h1>
          <Link href={PAGES.project(project.id)}>{project.name}</Link> · Label
        </h1>
        <div className="tabs" role="tablist" aria-label="Labelling mode">
          <button type="button" role="tab" aria-selected={mode === "single"} className={mode === "single" ? "tab active" : "tab"} onClick={() => switchMode("single")} data-testid="mode-single">
            One state at a time
          </button>
          <button type="button" role="tab" aria-selected={mode === "ride"} className={mode === "ride" ? "tab active" : "tab"} onClick={() => switchMode("ride")} data-testid="mode-ride">
            Ride-along
          </button>
        </div>
      </div>
      <OfflineBanner pending={pending} signedOut={status === "signed-out"} onRetry={() => outbox.retryNow()} />
      <div className="workspace-grid">
        <div className="workspace-main" role="tabpanel">
          {mode === "single" ? (
            <SingleLabeler project={project} outbox={outbox} onLabel={onLabel} onUndo={onUndo} onTask={onTask} showShortcuts={toggleSheet} focusComment={focusComment} />
          ) : (
            <RideAlong project={project} outbox={outbox} onLabel={onLabel} onRideState={setTarget} />
          )}
        </div>
        <aside className="workspace-side" aria-label="Progress, people and comments">
          <RoundPanel projectId={project.id} envId={project.envId} />
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
        </aside>
      </div>
    </div>
  );
}
