/**
 * The labelling client's paths and the ride-along payload, defined once for the browser, the route handlers'
 * services and the tests (see docs/LABELING.md).
 */
import { z } from "zod";
import { API } from "./routes";

/** The labelling client's calls: the shared `API` paths plus the three routes this feature adds. */
export const LABELING_API = {
  ...API,
  /** POST: lease the open tasks of one rollout for a ride-along replay. */
  rideAlong: (projectId: string) => `${API.project(projectId)}/tasks/ride`,
  /** DELETE: undo the caller's own label while its round is still labelling. */
  label: (taskId: string, labelId: string) => `${API.taskLabels(taskId)}/${encodeURIComponent(labelId)}`,
  /** GET (?stateId|rolloutId) / POST: comments. */
  comments: (projectId: string) => `${API.project(projectId)}/comments`,
} as const;

export const LABELING_PAGES = {
  label: (projectId: string) => `/projects/${encodeURIComponent(projectId)}/label`,
  demos: (projectId: string) => `/projects/${encodeURIComponent(projectId)}/demos`,
  takeover: (projectId: string) => `/projects/${encodeURIComponent(projectId)}/takeover`,
} as const;

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
