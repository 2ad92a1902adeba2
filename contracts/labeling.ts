/**
 * The ride-along payload, defined once for the browser, the route handlers' services and the tests (see
 * docs/LABELING.md). Its paths are `API` entries (contracts/routes.ts).
 */
import { z } from "zod";
import { ZActionOut, ZCameraFrame, zId, zTimestamp } from "./fields";

/** `POST …/tasks/ride`: lease the open tasks of one rollout for a ride-along replay. */
export const ZClaimRideAlong = z
  .object({
    /** Most tasks leased in one ride. */
    maxTasks: z.int().min(1).max(200).default(60),
    /** Rollouts the client has already ridden (or holds) and wants skipped. */
    excludeRollouts: z.array(z.uuid()).max(50).default([]),
  })
  .strict();
export type TClaimRideAlong = z.infer<typeof ZClaimRideAlong>;

/** One step of a ride-along replay: what was executed, and what the policy proposed (shown only on request). */
export const ZRideStep = z.object({ t: z.number(), observation: z.array(z.number()), envState: z.array(z.number()).nullable(), action: ZActionOut.nullable(), policyAction: ZActionOut.nullable(), frameUrl: z.string().nullable(), cameras: z.array(ZCameraFrame) });
export type TRideStep = z.output<typeof ZRideStep>;
export const ZRideAlongView = z.object({
  rolloutId: zId(),
  roundIndex: z.number(),
  rolloutLength: z.number(),
  tasks: z.array(z.object({ taskId: zId(), stateId: zId(), t: z.number(), leaseExpiresAt: zTimestamp() })).describe("The leased tasks, ordered by `t`."),
  steps: z
    .array(ZRideStep)
    .describe("Contiguous steps from a short lead-in before the first task to the last task (oldest first)."),
});
export type TRideAlong = z.output<typeof ZRideAlongView>;
