/**
 * For the lead's pages: the signed-in user and the project, with the settings page's treatment for everyone
 * else — no access (or no such project) is the 404 page, a labeller or viewer gets the "Lead role required"
 * panel (`forbidden` testid) instead of the page.
 */
import Link from "next/link";
import type { ReactElement } from "react";
import { PAGES } from "@/contracts/routes";
import type { SessionUser } from "@/server/auth/session";
import { getContext } from "@/server/context";
import { getProject, type ProjectDetail } from "@/server/projects/get-project";
import { orNotFound, requirePageUser } from "./page-auth";

export type LeadPage = { ok: true; user: SessionUser; project: ProjectDetail } | { ok: false; refusal: ReactElement };

export async function loadLeadPage(projectId: string, returnTo: string, what: string): Promise<LeadPage> {
  const user = await requirePageUser(returnTo);
  const project = await orNotFound(() => getProject(getContext().database.db, user, projectId));
  if (project.role === "lead") return { ok: true, user, project };
  return {
    ok: false,
    refusal: (
      <div className="panel empty" data-testid="forbidden">
        <h1>Lead role required</h1>
        <p>Only a project lead can {what} of {project.name}.</p>
        <Link href={PAGES.project(project.id)}>Back to the project</Link>
      </div>
    ),
  };
}
