/**
 * The one navigation bar of every page inside a project (app/projects/[projectId]/layout.tsx), in display order:
 * who sees each entry (minimum role; site admins act as leads) and which need a built-in environment.
 */
import { LABELING_PAGES } from "./labeling";
import { LEAD_NAV } from "./lead-routes";
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
  { key: "label", label: "Label", href: LABELING_PAGES.label, minRole: "labeler" },
  { key: "demos", label: "Demonstrate", href: LABELING_PAGES.demos, minRole: "labeler", builtInOnly: true },
  { key: "takeover", label: "Take over", href: LABELING_PAGES.takeover, minRole: "labeler", builtInOnly: true },
  ...LEAD_NAV.map((n) => ({ ...n, minRole: "lead" as const })),
];
