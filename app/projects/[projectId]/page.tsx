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
