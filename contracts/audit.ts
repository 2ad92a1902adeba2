/** The project's audit log as the lead browses it: filterable by action, actor and date, newest first. */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";

export const ZAuditQuery = z
  .object({
    /** An exact action (`round.published`) or a prefix ending in `.` / `*` (`round.`, `review*`). */
    action: z.string().trim().max(100).optional(),
    /** A user id. */
    actor: z.uuid().optional(),
    /** ISO date or date-time; inclusive lower bound. */
    from: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
    /** ISO date (whole day included) or date-time; upper bound. */
    to: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
    /** Keyset cursor: entries with an id below this one (the `nextBefore` of the previous page). */
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

export const ZAuditEntry = z.object({
  id: z.number(),
  action: z.string(),
  actorId: zId().nullable(),
  actorName: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: zTimestamp(),
});
export type TAuditEntry = z.output<typeof ZAuditEntry>;

export const ZAuditPageView = z.object({
  entries: z.array(ZAuditEntry),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.number().nullable(),
  /** Every action and actor that appears in this project's log, for the filters. */
  actions: z.array(z.string()),
  actors: z.array(z.object({ id: zId(), name: z.string() })),
});
export type TAuditPage = z.output<typeof ZAuditPageView>;
