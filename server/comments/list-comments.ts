import { and, asc, desc, eq, type SQL } from "drizzle-orm";
import { ZListComments, type TComment } from "../../contracts/comments";
import type { Db } from "../../db/client";
import { comments, states, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { projectMembers } from "./project-members";

/**
 * Comments of a project, oldest first: one state's thread (`stateId`), a rollout's (`rolloutId`, its
 * states' comments included), or the newest `limit` comments of the whole project.
 */
export async function listComments(db: Db, caller: Caller, projectId: string, query: unknown): Promise<TComment[]> {
  await authorizeProject(db, caller, projectId, "viewer");
  const q = ZListComments.parse(query ?? {});
  const where: SQL[] = [eq(comments.projectId, projectId)];
  if (q.stateId) where.push(eq(comments.stateId, q.stateId));
  if (q.rolloutId) where.push(eq(comments.rolloutId, q.rolloutId));
  const newestFirst = !q.stateId && !q.rolloutId;
  const rows = await db
    .select({ c: comments, authorName: users.name, t: states.t })
    .from(comments)
    .leftJoin(users, eq(users.id, comments.authorId))
    .leftJoin(states, eq(states.id, comments.stateId))
    .where(and(...where))
    .orderBy(newestFirst ? desc(comments.createdAt) : asc(comments.createdAt), asc(comments.id))
    .limit(q.limit);
  if (newestFirst) rows.reverse();
  const members = await projectMembers(db, projectId);
  return rows.map(({ c, authorName, t }) => ({
    id: c.id,
    projectId,
    stateId: c.stateId,
    rolloutId: c.rolloutId,
    t: t ?? null,
    parentId: c.parentId,
    author: { id: c.authorId ?? "", name: authorName ?? "Former member" },
    body: c.body,
    mentions: (c.mentions ?? []).map((id) => ({ id, name: members.get(id)?.name ?? "Former member" })),
    createdAt: c.createdAt.toISOString(),
  }));
}
