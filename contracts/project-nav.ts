/**
 * The one navigation bar of every page inside a project (app/projects/[projectId]/layout.tsx), in display order:
 * who sees each entry (minimum role; site admins act as leads) and which need a built-in environment. The
 * paths are `PAGES` entries (contracts/routes.ts).
 */
import type { TProjectRole } from "./projects";
import { PAGES } from "./routes";

export interface ProjectNavEntry {
  key: string;
  label: string;
  href: (projectId: string) => string;
  minRole: TProjectRole;
  /** Only for projects on a built-in environment (the page runs the env in the browser). */
  builtInOnly?: boolean;
}

export const PROJECT_NAV: readonly ProjectNavEntry[] = [
  { key: "overview", label: "Overview", href: PAGES.project, minRole: "viewer" },
  { key: "label", label: "Label", href: PAGES.label, minRole: "labeler" },
  { key: "demos", label: "Demonstrate", href: PAGES.demos, minRole: "labeler", builtInOnly: true },
  { key: "takeover", label: "Take over", href: PAGES.takeover, minRole: "labeler", builtInOnly: true },
  // The lead's pages.
  { key: "rounds", label: "Rounds", href: PAGES.rounds, minRole: "lead" },
  { key: "review", label: "Review", href: PAGES.review, minRole: "lead" },
  { key: "quality", label: "Quality", href: PAGES.quality, minRole: "lead" },
  { key: "datasets", label: "Datasets", href: PAGES.datasets, minRole: "lead" },
  { key: "policies", label: "Policies", href: PAGES.policies, minRole: "lead" },
  { key: "members", label: "Members", href: PAGES.members, minRole: "lead" },
  { key: "audit", label: "Audit log", href: PAGES.audit, minRole: "lead" },
  { key: "settings", label: "Settings", href: PAGES.projectSettings, minRole: "lead" },
];
