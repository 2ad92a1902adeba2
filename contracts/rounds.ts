/** Rounds, demonstrations, rollouts, tasks and labels as they cross the API. */
import { z } from "zod";

export const ROUND_STATUSES = ["collecting", "labeling", "aggregating", "training", "evaluating", "finetuning", "published", "failed"] as const;
export type TRoundStatus = (typeof ROUND_STATUSES)[number];

const ZVector = z.array(z.number().finite()).min(1).max(65_536);
const ZActionValue = z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)]);

export const ZStartRound = z
  .object({
    /** Round 0 only, built-in envs with a scripted expert: generate this many expert demonstration episodes. */
    scriptedDemonstrations: z.int().min(1).max(1000).optional(),
  })
  .strict();
export type TStartRound = z.infer<typeof ZStartRound>;

export const ROLLOUT_SOURCES = ["policy", "expert", "teleop", "takeover", "external"] as const;

export const ZDemonstrationStep = z
  .object({ observation: ZVector, action: ZActionValue, state: ZVector.optional() })
  .strict();
export const ZDemonstrations = z
  .object({
    source: z.enum(["expert", "teleop", "takeover"]).default("expert"),
    episodes: z
      .array(z.object({ steps: z.array(ZDemonstrationStep).min(1).max(100_000) }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();
export type TDemonstrations = z.infer<typeof ZDemonstrations>;

export const ZExternalRollout = z
  .object({
    seed: z.int().optional(),
    steps: z
      .array(
        z
          .object({
            observation: ZVector,
            state: ZVector.optional(),
            policyAction: ZActionValue.optional(),
            uncertainty: z.number().finite().min(0).optional(),
            reward: z.number().finite().optional(),
            frameId: z.uuid().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100_000),
  })
  .strict();
export type TExternalRollout = z.infer<typeof ZExternalRollout>;

export const ZSubmitLabel = z
  .object({
    /** Client-generated UUID; resubmitting the same id returns the stored label and counts once. */
    id: z.uuid(),
    action: ZActionValue.nullable().optional(),
    cantTell: z.boolean().default(false),
    durationMs: z.int().min(0).max(86_400_000).optional(),
  })
  .strict()
  .refine((l) => l.cantTell || (l.action !== undefined && l.action !== null), { message: "action is required unless cantTell", path: ["action"] });
export type TSubmitLabel = z.infer<typeof ZSubmitLabel>;

export interface TRoundMetrics {
  meanReturn: number;
  successRate: number | null;
  normalizedReturn: number | null;
  episodes: number;
}

export interface TRound {
  id: string;
  projectId: string;
  index: number;
  status: TRoundStatus;
  error: string | null;
  failedFrom: TRoundStatus | null;
  beta: number;
  policyId: string | null;
  resultPolicyId: string | null;
  datasetVersion: number | null;
  progress: { tasksTotal: number; tasksDone: number; labels: number; rollouts: number; states: number; training?: unknown; finetune?: unknown };
  metrics: TRoundMetrics | null;
  createdAt: string;
  updatedAt: string;
}

export interface TNextTask {
  task: { id: string; leaseExpiresAt: string; required: number; labelCount: number };
  state: { id: string; t: number; observation: number[]; envState: number[] | null; frameUrl: string | null };
  context: {
    rolloutId: string;
    roundIndex: number;
    /** The rollout up to and including the state (oldest first), for replay. */
    before: { t: number; observation: number[]; envState: number[] | null; action: number | number[] | null; frameUrl: string | null }[];
    rolloutLength: number;
  };
  policyAction: number | number[] | null;
}
