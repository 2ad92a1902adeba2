/**
 * The ride-along payload, defined once for the browser, the route handlers' services and the tests (see
 * docs/LABELING.md). Its paths are `API` entries (contracts/routes.ts).
 */
import { z } from "zod";

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

export interface TRideStep {
  t: number;
  observation: number[];
  envState: number[] | null;
  /** What was executed at this step, and what the policy proposed (shown only on request). */
  action: number | number[] | null;
  policyAction: number | number[] | null;
  frameUrl: string | null;
}

export interface TRideAlong {
  rolloutId: string;
  roundIndex: number;
  rolloutLength: number;
  /** The leased tasks, ordered by `t`; each one's label is the action held when the replay reaches it. */
  tasks: { taskId: string; stateId: string; t: number; leaseExpiresAt: string }[];
  /** Contiguous steps from some context before the first task to the last task (oldest first). */
  steps: TRideStep[];
}
