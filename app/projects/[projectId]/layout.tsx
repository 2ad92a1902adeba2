/**
 * Every page inside a project gets the same navigation bar, with the entries the caller's role allows. A caller
 * who is signed out or not a member sees the page's own answer (sign-in, 404) without a bar.
 */
import type { ReactNode } from "react";
import { ROLE_RANK } from "@/contracts/projects";
import { PROJECT_NAV } from "@/contracts/project-nav";
import { ProjectNav } from "@/app/_components/project/ProjectNav";
import { currentUser } from "@/server/auth/session";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";

export default async function ProjectLayout({ children, params }: { children: ReactNode; params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await currentUser();
  const project = user ? await getProject(getContext().database.db, user, projectId).catch(() => null) : null;
  if (!project) return children;
  const items = PROJECT_NAV.filter((n) => ROLE_RANK[project.role] >= ROLE_RANK[n.minRole] && (!n.builtInOnly || project.envId)).map((n) => ({
    key: n.key,
    label: n.label,
    href: n.href(project.id),
  }));
  return (
    <>
      <ProjectNav projectName={project.name} items={items} />
      {children}
    </>
  );
}
