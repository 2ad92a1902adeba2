/**
 * What every lead page does first (server side): the signed-in user (else sign-in), the project (else 404),
 * and — for anyone below lead — the same refusal the settings page shows. Also the plain JSON the lead's
 * client components need about the project (env, spaces).
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { PAGES } from "@/contracts/routes";
import type { LeadProject } from "@/app/_components/lead/types";
import type { Caller } from "@/server/auth/caller";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";
import type { TProjectDetail } from "@/contracts/projects";
import { projectSpec } from "@/server/projects/project-spec";
import { orNotFound, requirePageUser } from "./page-auth";


export type LeadPageResult = { ok: true; user: Caller; project: TProjectDetail; lead: LeadProject } | { ok: false; refusal: ReactNode };

/** `what` completes "Only a project lead can …". */
export async function loadLeadPage(projectId: string, returnTo: string, what: string): Promise<LeadPageResult> {
  const user = await requirePageUser(returnTo);
  const project = await orNotFound(() => getProject(getContext().database.db, user, projectId));
  if (project.role !== "lead") {
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
  // The spaces of the built-in env or the external project, as the round loop sees them.
  const spec = projectSpec(project);
  const plain = <T,>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    ok: true,
    user,
    project,
    lead: {
      id: project.id,
      name: project.name,
      envId: project.envId,
      actionSpace: plain(spec.actionSpace),
      observationSpace: plain(spec.observationSpace),
    },
  };
}

/** The page title of a lead page (the project's navigation bar comes from the project layout). */
export function LeadHeader({ project, title }: { project: { id: string; name: string }; title: string }) {
  return <h1>{title} · {project.name}</h1>;
}
