import { desc, eq, sql } from "drizzle-orm";
import type { TProjectRole, TProjectSummary } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { memberships, projects } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import { projectSummary } from "./project-summary";

const memberCount = sql<number>`(select count(*)::int from ${memberships} m where m.project_id = ${projects.id})`;

/** Projects the caller belongs to (every project for a site admin), newest first. */
export async function listProjects(db: Db, caller: Caller): Promise<TProjectSummary[]> {
  const cols = {
    id: projects.id,
    slug: projects.slug,
    name: projects.name,
    description: projects.description,
    envId: projects.envId,
    createdAt: projects.createdAt,
    memberCount,
  };
  const rows = caller.isAdmin
    ? (await db.select(cols).from(projects).orderBy(desc(projects.createdAt))).map((r) => ({ ...r, role: "lead" as TProjectRole }))
    : await db
        .select({ ...cols, role: memberships.role })
        .from(memberships)
        .innerJoin(projects, eq(projects.id, memberships.projectId))
        .where(eq(memberships.userId, caller.id))
        .orderBy(desc(projects.createdAt));
  return rows.map((r) => projectSummary(r, r.role, r.memberCount));
}
