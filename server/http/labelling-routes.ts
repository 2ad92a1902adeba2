/**
 * The labelling hot path — claim the next task (or a batch), submit a label (or a batch), renew a lease — as plain handlers over
 * (database, caller, path params, parsed body). Next.js's route files (app/api/v1/…) and the custom server's
 * fast path (server/http/fast-path.ts) both call these, so the two ways in cannot drift apart.
 */
import { z } from "zod";
import type { Db } from "../../db/client";
import { TASK_NOT_FOUND } from "../auth/authorize-project";
import type { Caller } from "../auth/caller";
import { notFound } from "../errors";
import { claimNextTask, countWaitingTasks } from "../tasks/claim-next-task";
import { claimTasks } from "../tasks/claim-tasks";
import { renewTaskLease } from "../tasks/release-task";
import { submitLabel } from "../tasks/submit-label";
import { submitLabels } from "../tasks/submit-labels";

export interface HotArgs {
  db: Db;
  caller: Caller;
  params: Record<string, string>;
  body: unknown;
}
/** `data` is sent as `{ data }`; without it the answer has no body. */
export interface HotResult {
  status: number;
  data?: unknown;
  headers?: Record<string, string>;
}
export type HotHandler = (args: HotArgs) => Promise<HotResult>;

/** The `taskId` path segment; a malformed one answers like a task that does not exist. */
export const taskIdOf = (params: Record<string, string>) => {
  const id = params.taskId;
  if (!id || !z.uuid().safeParse(id).success) throw notFound(TASK_NOT_FOUND);
  return id;
};

/**
 * 200 with the leased task and its replay context; 204 when there is nothing to claim. A 204 with
 * `Retry-After` (and `X-Tasks-Waiting`) means tasks the caller may label are held by others right now — ask
 * again; without it nothing is left for this caller.
 */
export const claimNextRoute: HotHandler = async ({ db, caller, params, body }) => {
  const projectId = params.projectId ?? "";
  const next = await claimNextTask(db, caller, projectId, body ?? {});
  if (next) return { status: 200, data: next };
  const waiting = await countWaitingTasks(db, caller, projectId, body ?? {});
  const headers: Record<string, string> = waiting > 0 ? { "retry-after": "1", "x-tasks-waiting": String(waiting) } : {};
  return { status: 204, headers };
};

/** 201 for a new label, 200 for a resubmission of the same id (stored label returned, counted once). */
export const submitLabelRoute: HotHandler = async ({ db, caller, params, body }) => {
  const label = await submitLabel(db, caller, taskIdOf(params), body);
  return { status: label.duplicate ? 200 : 201, data: label };
};

export const heartbeatRoute: HotHandler = async ({ db, caller, params }) => ({ status: 200, data: await renewTaskLease(db, caller, taskIdOf(params)) });

/**
 * 200 with up to `count` leased tasks, each like `claimNextRoute`'s answer; an empty list when none is free
 * (with `Retry-After` while tasks the caller may label are held by others, as for the single claim).
 */
export const claimTasksRoute: HotHandler = async ({ db, caller, params, body }) => {
  const out = await claimTasks(db, caller, params.projectId ?? "", body ?? {});
  const headers: Record<string, string> = out.waiting > 0 ? { "retry-after": "1", "x-tasks-waiting": String(out.waiting) } : {};
  return { status: 200, data: out, headers };
};

/** 200 with one result per label, in the order sent: each has the status the single-label route would answer. */
export const submitLabelsRoute: HotHandler = async ({ db, caller, body }) => ({ status: 200, data: { results: await submitLabels(db, caller, body) } });
