"use client";

/**
 * The frame every workspace view sits in (label, ride-along, demonstrations, takeover): toasts and the
 * project's live connection around it, live notices, the heading with an optional tab strip, the offline /
 * outbox banner, and a main column beside a side column that starts with the round's panel.
 * A view composes it with its own main content and any extra side panels.
 */
import Link from "next/link";
import { useCallback, type ReactNode } from "react";
import type { ProjectEvent } from "@/contracts/realtime";
import { PAGES } from "@/contracts/routes";
import { OfflineBanner } from "@/app/_components/OfflineBanner";
import { ProjectRealtimeProvider, useProjectEvents } from "@/app/_components/realtime/ProjectRealtime";
import { RoundPanel } from "@/app/_components/RoundPanel";
import { ToastProvider, useToasts } from "@/app/_components/Toasts";
import "@/app/_components/workspace.css";
import type { WorkspaceProject } from "./types";

type View = Parameters<typeof ProjectRealtimeProvider>[0]["view"];

/** Toasts and one socket.io connection for the project, announcing `view` as what this person is doing. */
export function WorkspaceProviders({ projectId, view, children }: { projectId: string; view: View; children: ReactNode }) {
  return (
    <ToastProvider>
      <ProjectRealtimeProvider projectId={projectId} view={view}>
        {children}
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

export interface WorkspaceShellProps {
  project: Pick<WorkspaceProject, "id" | "name" | "me">;
  /** The page's name after the project's ("Label", "Take over", …). */
  title: string;
  /** A tab strip (or other controls) at the right of the heading. */
  tabs?: ReactNode;
  /** What the banner counts as waiting in this browser, and how to re-send it now. */
  banner: { pending: number; signedOut?: boolean; onRetry?: () => void };
  children: ReactNode;
}

/** Heading, banner, then the view (usually a `WorkspaceGrid`). Shows the live notices too. */
export function WorkspaceShell({ project, title, tabs, banner, children }: WorkspaceShellProps) {
  useWorkspaceNotices(project.me.id);
  return (
    <div className="workspace">
      <div className="row workspace-head">
        <h1>
          <Link href={PAGES.project(project.id)}>{project.name}</Link> · {title}
        </h1>
        {tabs}
      </div>
      <OfflineBanner pending={banner.pending} signedOut={banner.signedOut} onRetry={banner.onRetry} />
      {children}
    </div>
  );
}

/** The main column and the side column (the round's panel first, then `side`). */
export function WorkspaceGrid({ project, mainRole, sideLabel, side, children }: { project: Pick<WorkspaceProject, "id" | "envId" | "me">; mainRole?: "tabpanel"; sideLabel: string; side?: ReactNode; children: ReactNode }) {
  return (
    <div className="workspace-grid">
      <div className="workspace-main" {...(mainRole ? { role: mainRole } : {})}>
        {children}
      </div>
      <aside className="workspace-side" aria-label={sideLabel}>
        <RoundPanel projectId={project.id} envId={project.envId} />
        {side}
      </aside>
    </div>
  );
}
