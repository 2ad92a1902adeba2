import { eq, sql } from "drizzle-orm";
import type { TProjectDetail } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { memberships, projects, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { projectSummary } from "./project-summary";

/** One project with its members; NOT_FOUND unless the caller may view it. */
export async function getProject(db: Db, caller: Caller, projectId: string): Promise<TProjectDetail> {
  const role = await authorizeProject(db, caller, projectId, "viewer");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p) throw new Error("project vanished after authorisation");
  const members = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.projectId, projectId))
    .orderBy(sql`case ${memberships.role} when 'lead' then 0 when 'labeler' then 1 else 2 end`, users.name);
  return { ...projectSummary(p, role, members.length), config: p.config, members };
}
