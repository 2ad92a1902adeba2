import Link from "next/link";
import { LABELING_PAGES } from "@/contracts/labeling";
import { LEAD_PAGES } from "@/contracts/lead-routes";
import { PAGES } from "@/contracts/routes";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";
import { orNotFound, requirePageUser } from "../../_lib/page-auth";
import { PresenceBar } from "./PresenceBar";

export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await requirePageUser(PAGES.project(projectId));
  const project = await orNotFound(() => getProject(getContext().database.db, user, projectId));
  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>{project.name}</h1>
        <span className="badge" data-testid="my-role">{project.role}</span>
        <span className="spacer" />
        {project.role !== "viewer" && <Link href={LABELING_PAGES.label(project.id)} data-testid="link-label">Label</Link>}
        {project.role !== "viewer" && project.envId && <Link href={LABELING_PAGES.demos(project.id)}>Demonstrate</Link>}
        {project.role !== "viewer" && project.envId && <Link href={LABELING_PAGES.takeover(project.id)}>Take over</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.rounds(project.id)} data-testid="link-rounds">Rounds</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.review(project.id)} data-testid="link-review">Review</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.datasets(project.id)} data-testid="link-datasets">Datasets</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.policies(project.id)} data-testid="link-policies">Policies</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.quality(project.id)} data-testid="link-quality">Quality</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.audit(project.id)} data-testid="link-audit">Audit log</Link>}
        {project.role === "lead" && <Link href={LEAD_PAGES.members(project.id)} data-testid="link-members">Members</Link>}
        {project.role === "lead" && <Link href={PAGES.projectSettings(project.id)}>Settings</Link>}
      </div>
      <p className="muted">{project.description}</p>
      <PresenceBar projectId={project.id} />
      <h2>Environment</h2>
      <p>{project.envId ?? "External (rollouts arrive through the API)"}</p>
      <h2>Members</h2>
      <table>
        <thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead>
        <tbody>
          {project.members.map((m) => (
            <tr key={m.userId}><td>{m.name}</td><td>{m.email}</td><td>{m.role}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
