import type { TProjectRole, TProjectSummary } from "../../contracts/projects";
import type { Project } from "../../db/schema";

/** A project as lists and the project page show it, with the caller's role. */
export function projectSummary(p: Pick<Project, "id" | "slug" | "name" | "description" | "envId" | "createdAt">, role: TProjectRole, memberCount: number): TProjectSummary {
  return { id: p.id, slug: p.slug, name: p.name, description: p.description, envId: p.envId, role, memberCount, createdAt: p.createdAt.toISOString() };
}
