/**
 * The one authorisation helper for every route and socket event that touches a project.
 *
 * A caller who is not a member gets NOT_FOUND — the same answer as for a project that does not exist, so
 * project ids leak nothing. A member whose role is too low gets FORBIDDEN. Site admins act as leads.
 */
import { and, eq } from "drizzle-orm";
import { ROLE_RANK, ZProjectId, type TProjectRole } from "../../contracts/projects";
import type { Db } from "../../db/client";
import type { Tx } from "../../db/tx";
import { memberships, projects } from "../../db/schema";
import { AppError } from "../errors";
import type { Caller } from "./caller";

const PROJECT_NOT_FOUND = "Project not found";
/** The one answer for a task that does not exist and a task in a project the caller is not a member of. */
export const TASK_NOT_FOUND = "Task not found";

export type { Caller } from "./caller";

/**
 * `missing` is the not-found message, for a thing reached through a project (a task: "Task not found"), so that
 * one in a project the caller cannot see answers exactly like one that does not exist.
 */
export async function authorizeProject(db: Db | Tx, caller: Caller, projectId: string, minRole: TProjectRole, missing = PROJECT_NOT_FOUND): Promise<TProjectRole> {
  if (!ZProjectId.safeParse(projectId).success) throw new AppError("NOT_FOUND", missing);
  const [row] = await db
    .select({ role: memberships.role, projectId: projects.id })
    .from(projects)
    .leftJoin(memberships, and(eq(memberships.projectId, projects.id), eq(memberships.userId, caller.id)))
    .where(eq(projects.id, projectId))
    .limit(1);
  return checkRole(caller, row ? { role: row.role } : null, minRole, missing);
}

/** The roles that satisfy `minRole`, for SQL that checks membership in the same statement as its work. */
export function rolesAtLeast(minRole: TProjectRole): TProjectRole[] {
  return (Object.keys(ROLE_RANK) as TProjectRole[]).filter((r) => ROLE_RANK[r] >= ROLE_RANK[minRole]);
}

/**
 * The decision itself, for queries that read the caller's membership together with what they act on (the
 * hot labelling paths read role, round and task in one round trip). `found` is null when the project (or the
 * thing that names it) does not exist; `role` is null when the caller is not a member.
 */
export function checkRole(caller: Caller, found: { role: TProjectRole | string | null } | null, minRole: TProjectRole, missing = PROJECT_NOT_FOUND): TProjectRole {
  if (!found) throw new AppError("NOT_FOUND", missing);
  const role = (found.role as TProjectRole | null) ?? (caller.isAdmin ? "lead" : null);
  if (!role) throw new AppError("NOT_FOUND", missing);
  const effective = caller.isAdmin ? "lead" : role;
  if (ROLE_RANK[effective] < ROLE_RANK[minRole]) {
    throw new AppError("FORBIDDEN", `This needs the ${minRole} role in this project`);
  }
  return effective;
}
