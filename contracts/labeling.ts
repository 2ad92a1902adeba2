/**
 * The labelling client's paths and the ride-along payload, defined once for the browser, the route handlers'
 * services and the tests (see docs/LABELING.md).
 */
import { z } from "zod";

const p = (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}`;
const t = (taskId: string) => `/api/v1/tasks/${encodeURIComponent(taskId)}`;

export const LABELING_API = {
  rounds: (projectId: string) => `${p(projectId)}/rounds`,
  round: (projectId: string, index: number) => `${p(projectId)}/rounds/${index}`,
  closeRound: (projectId: string, index: number) => `${p(projectId)}/rounds/${index}/close`,
  nextTask: (projectId: string) => `${p(projectId)}/tasks/next`,
  rideAlong: (projectId: string) => `${p(projectId)}/tasks/ride`,
  labels: (taskId: string) => `${t(taskId)}/labels`,
  label: (taskId: string, labelId: string) => `${t(taskId)}/labels/${encodeURIComponent(labelId)}`,
  release: (taskId: string) => `${t(taskId)}/release`,
  heartbeat: (taskId: string) => `${t(taskId)}/heartbeat`,
  latestPolicy: (projectId: string) => `${p(projectId)}/policies/latest`,
  demonstrations: (projectId: string) => `${p(projectId)}/demonstrations`,
  comments: (projectId: string) => `${p(projectId)}/comments`,
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
