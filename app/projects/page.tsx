import Link from "next/link";
import { PAGES } from "@/contracts/routes";
import { getContext } from "@/server/context";
import { listProjects } from "@/server/projects/list-projects";
import { requirePageUser } from "../_lib/page-auth";

export const metadata = { title: "Projects · Corrective" };

export default async function ProjectsPage() {
  const user = await requirePageUser(PAGES.projects);
  const projects = await listProjects(getContext().database.db, user);
  return (
    <>
      <div className="row" style={{ marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Projects</h1>
        <span className="spacer" />
        <Link href={PAGES.newProject} className="button" data-testid="link-new-project">New project</Link>
      </div>
      {projects.length === 0 ? (
        <div className="panel empty" data-testid="projects-empty">
          <p>You are not a member of any project yet.</p>
          <p>Ask a project lead to invite you, or <Link href={PAGES.newProject}>create a project</Link> and lead it.</p>
        </div>
      ) : (
        <div className="grid" data-testid="project-list">
          {projects.map((p) => (
            <Link key={p.id} href={PAGES.project(p.id)} className="card">
              <div className="row"><strong>{p.name}</strong><span className="badge">{p.role}</span></div>
              <p className="muted">{p.description || "No description"}</p>
              <div className="row muted"><span>{p.envId ?? "external environment"}</span><span>· {p.memberCount} members</span></div>
            </Link>
          ))}
        </div>
      )}
    </>
  );
}
