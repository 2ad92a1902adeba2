import { and, eq, sql } from "drizzle-orm";
import type { TLease, TReleased } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { tasks } from "../../db/schema";
import { authorizeProject, TASK_NOT_FOUND, type Caller } from "../auth/authorize-project";
import { AppError, notFound } from "../errors";
import { publish } from "../realtime/bus";
import { LEASE_MS } from "./lease";

async function ownTask(db: Db, caller: Caller, taskId: string) {
  const [task] = await db.select().from(tasks).where(eq(tasks.id, taskId));
  if (!task) throw notFound(TASK_NOT_FOUND);
  await authorizeProject(db, caller, task.projectId, "labeler", TASK_NOT_FOUND);
  return task;
}

/** Gives a leased task back to the pool (idempotent: releasing a task you do not hold changes nothing). */
export async function releaseTask(db: Db, caller: Caller, taskId: string): Promise<TReleased> {
  const task = await ownTask(db, caller, taskId);
  const rows = await db
    .update(tasks)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(tasks.id, taskId), eq(tasks.leaseOwner, caller.id)))
    .returning({ id: tasks.id });
  if (rows.length) publish([{ type: "tasks:released", projectId: task.projectId, count: rows.length }]);
  return { released: rows.length > 0 };
}

/** Renews the caller's lease; 409 if it was lost (expired and taken by someone else). */
export async function renewTaskLease(db: Db, caller: Caller, taskId: string): Promise<TLease> {
  await ownTask(db, caller, taskId);
  const [row] = await db
    .update(tasks)
    .set({ leaseExpiresAt: sql`now() + (${LEASE_MS} * interval '1 millisecond')` })
    .where(and(eq(tasks.id, taskId), eq(tasks.leaseOwner, caller.id), sql`${tasks.labelCount} < ${tasks.required}`))
    .returning({ leaseExpiresAt: tasks.leaseExpiresAt });
  if (!row?.leaseExpiresAt) throw new AppError("CONFLICT", "You no longer hold this task");
  return { leaseExpiresAt: row.leaseExpiresAt.toISOString() };
}
