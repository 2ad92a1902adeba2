/**
 * The Postgres-backed job queue: a `jobs` table claimed with `FOR UPDATE SKIP LOCKED` under a lease.
 *
 * Workers (the in-process runner, or `npm run trainer` on another machine) claim a runnable job fairly
 * across projects (see `claimJob`), renew its lease while working, and mark it done or failed. A worker that dies stops renewing; once the
 * lease expires the job is claimable again (attempts + 1), until `maxAttempts`, after which it is failed and
 * its handler's `onGiveUp` marks the round failed. Handlers must be idempotent: a retried job may find part
 * of its work already committed.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { jobs, type Job } from "../../db/schema";
import type { DbOrTx } from "../../db/tx";

export const JOB_TYPES = ["collect", "aggregate", "train", "evaluate", "finetune"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export interface EnqueueOptions {
  projectId?: string;
  roundId?: string;
  payload?: Record<string, unknown>;
  maxAttempts?: number;
}

export async function enqueueJob(db: DbOrTx, type: JobType, opts: EnqueueOptions = {}): Promise<string> {
  const [row] = await db
    .insert(jobs)
    .values({ type, projectId: opts.projectId, roundId: opts.roundId, payload: opts.payload ?? {}, maxAttempts: opts.maxAttempts ?? 3 })
    .returning({ id: jobs.id });
  if (!row) throw new Error("enqueue returned nothing");
  return row.id;
}

/**
 * Claims one runnable job: queued, or running with an expired lease (its worker died). Jobs that already
 * used all their attempts are failed here instead of being handed out again; they are returned in `exhausted`.
 *
 * Fair across projects, so one project's many jobs cannot starve another's: the job goes to the project with
 * the fewest jobs running now, then to the one whose last job started longest ago (never-served first) —
 * round-robin when every project has work — and within a project to its oldest job. `started_at` is stamped
 * on each claim (index `jobs_project_started_idx`).
 */
export async function claimJob(
  db: Db,
  workerId: string,
  types: readonly string[],
  leaseMs: number,
): Promise<{ job: Job | null; exhausted: Job[] }> {
  const exhausted = await db
    .update(jobs)
    .set({ status: "failed", error: sql`coalesce(${jobs.error}, 'worker stopped responding; attempts exhausted')`, updatedAt: sql`now()` })
    .where(and(eq(jobs.status, "running"), sql`${jobs.leaseExpiresAt} < now()`, sql`${jobs.attempts} >= ${jobs.maxAttempts}`))
    .returning();
  const typeList = sql.join(types.map((t) => sql`${t}`), sql`, `);
  const result = await db.execute<{ id: string }>(sql`
    update ${jobs} set status = 'running', attempts = attempts + 1, locked_by = ${workerId},
      lease_expires_at = now() + (${leaseMs} * interval '1 millisecond'), started_at = clock_timestamp(), updated_at = now()
    where id = (
      select j.id from ${jobs} j
      where j.type in (${typeList}) and j.run_after <= now() and j.attempts < j.max_attempts
        and (j.status = 'queued' or (j.status = 'running' and j.lease_expires_at < now()))
      order by
        (select count(*) from ${jobs} r where r.project_id = j.project_id and r.status = 'running' and r.lease_expires_at >= now()),
        (select max(s.started_at) from ${jobs} s where s.project_id = j.project_id) nulls first,
        j.created_at
      limit 1
      for update of j skip locked
    )
    returning id`);
  const id = result.rows[0]?.id;
  if (!id) return { job: null, exhausted };
  const [job] = await db.select().from(jobs).where(eq(jobs.id, id));
  return { job: job ?? null, exhausted };
}

/** Extends the lease; false if the job is no longer ours (lease lost to another worker). */
export async function renewLease(db: Db, jobId: string, workerId: string, leaseMs: number, progress?: unknown): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      leaseExpiresAt: sql`now() + (${leaseMs} * interval '1 millisecond')`,
      updatedAt: sql`now()`,
      ...(progress === undefined ? {} : { progress }),
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId), eq(jobs.status, "running")))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export async function completeJob(db: DbOrTx, jobId: string, workerId: string, result: unknown = null): Promise<void> {
  await db
    .update(jobs)
    .set({ status: "done", result: result as never, error: null, updatedAt: sql`now()`, leaseExpiresAt: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId)));
}

/** Records a failure: requeued (with back-off) while attempts remain, else failed. Returns the final status. */
export async function failJob(db: Db, job: Job, workerId: string, error: string): Promise<"queued" | "failed"> {
  const final = job.attempts >= job.maxAttempts;
  await db
    .update(jobs)
    .set({
      status: final ? "failed" : "queued",
      error,
      leaseExpiresAt: null,
      runAfter: sql`now() + (${Math.min(30_000, 500 * 2 ** job.attempts)} * interval '1 millisecond')`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId)));
  return final ? "failed" : "queued";
}
