import { eq, sql } from "drizzle-orm";
import { ZUpdateProject } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { auditLog, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { getProject, type ProjectDetail } from "./get-project";

/** Lead-only: rename or re-describe a project. One transaction with its audit entry. */
export async function updateProject(db: Db, caller: Caller, projectId: string, input: unknown): Promise<ProjectDetail> {
  await authorizeProject(db, caller, projectId, "lead");
  const patch = ZUpdateProject.parse(input);
  await db.transaction(async (tx) => {
    await tx.update(projects).set({ ...patch, updatedAt: sql`now()` }).where(eq(projects.id, projectId));
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "project.updated", targetType: "project", targetId: projectId, data: patch });
  });
  return getProject(db, caller, projectId);
}
