/**
 * Lead-only: the project's audit log, newest first, filtered by action (exact, or a prefix ending in `.`
 * or `*`), actor and date range, paginated by keyset (`before` = the last id seen), so pages stay stable
 * while new entries arrive.
 */
import { and, desc, eq, gte, isNotNull, like, lt, type SQL } from "drizzle-orm";
import { ZAuditQuery, type TAuditPage } from "../../contracts/audit";
import type { Db } from "../../db/client";
import { auditLog, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";

const startOf = (s: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
/** A bare date as the upper bound includes that whole day. */
const endOf = (s: string) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(Date.parse(`${s}T00:00:00Z`) + 86_400_000) : new Date(Date.parse(s) + 1));

export async function listAuditLog(db: Db, caller: Caller, projectId: string, input: unknown = {}): Promise<TAuditPage> {
  await authorizeProject(db, caller, projectId, "lead");
  const q = ZAuditQuery.parse(input ?? {});
  const where: SQL[] = [eq(auditLog.projectId, projectId)];
  if (q.action) {
    const prefix = q.action.endsWith("*") ? q.action.slice(0, -1) : q.action.endsWith(".") ? q.action : null;
    where.push(prefix !== null ? like(auditLog.action, `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : eq(auditLog.action, q.action));
  }
  if (q.actor) where.push(eq(auditLog.actorId, q.actor));
  if (q.from) where.push(gte(auditLog.createdAt, startOf(q.from)));
  if (q.to) where.push(lt(auditLog.createdAt, endOf(q.to)));
  if (q.before) where.push(lt(auditLog.id, q.before));
  const rows = await db
    .select({ id: auditLog.id, action: auditLog.action, actorId: auditLog.actorId, actorName: users.name, targetType: auditLog.targetType, targetId: auditLog.targetId, data: auditLog.data, createdAt: auditLog.createdAt })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const actions = await db.selectDistinct({ action: auditLog.action }).from(auditLog).where(eq(auditLog.projectId, projectId)).orderBy(auditLog.action);
  const actors = await db
    .selectDistinct({ id: users.id, name: users.name })
    .from(auditLog)
    .innerJoin(users, eq(users.id, auditLog.actorId))
    .where(and(eq(auditLog.projectId, projectId), isNotNull(auditLog.actorId)))
    .orderBy(users.name);
  return {
    entries: page.map((r) => ({ ...r, data: (r.data ?? {}) as Record<string, unknown>, createdAt: r.createdAt.toISOString() })),
    nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
    actions: actions.map((a) => a.action),
    actors: actors.map((a) => ({ id: a.id, name: a.name })),
  };
}
