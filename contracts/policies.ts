/** Policy versions as the lead sees them (list, download, roll back). */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";

/**
 * The server evaluates a policy on the episodes seeded from here (away from the seeds used to collect
 * training data); the browser replays the same episodes.
 */
export const EVAL_FIRST_SEED = 100_000;

/** What trained a version: behaviour cloning on the dataset, or RL fine-tuning of an imitation policy. */
export const POLICY_KINDS = ["imitation", "rl-finetune"] as const;
export type TPolicyKind = (typeof POLICY_KINDS)[number];

export interface TPolicyMetrics {
  meanReturn?: number;
  successRate?: number | null;
  normalizedReturn?: number | null;
  episodes?: number;
}

export interface TPolicySummary {
  id: string;
  version: number;
  roundId: string | null;
  roundIndex: number | null;
  head: string;
  training: Record<string, unknown>;
  metrics: TPolicyMetrics | null;
  /** `imitation`: trained on the dataset; `rl-finetune`: REINFORCE fine-tuning of the imitation version `parentVersion`. */
  kind: TPolicyKind;
  parentVersion: number | null;
  /** The parent's metrics on the same seeded evaluation episodes (rl-finetune only). */
  parentMetrics: TPolicyMetrics | null;
  publishedAt: string | null;
  createdAt: string;
  /** The version the next round rolls out: the most recently published one. */
  current: boolean;
}

export const ZPolicyPublishedView = z.object({ version: z.number(), policyId: zId(), previousVersion: z.number().nullable(), publishedAt: zTimestamp() });
export type TPolicyPublished = z.output<typeof ZPolicyPublishedView>;

/** The answer to a client's evaluation episodes (`POST …/policies/{version}/evaluations`). */
export const ZEvaluationResultView = z.object({
  version: z.number(),
  metrics: z.object({ meanReturn: z.number(), successRate: z.number().nullable(), normalizedReturn: z.number().nullable(), episodes: z.number(), source: z.literal("client") }),
  /** The round this evaluation completed (`clientEvaluation` projects), else null. */
  roundIndex: z.number().nullable(),
  /** True when this evaluation published the version (it beat the published one, or there was none). */
  published: z.boolean(),
  /** The version the next round rolls out after this evaluation. */
  currentVersion: z.number().nullable(),
});
export type TEvaluationResult = z.output<typeof ZEvaluationResultView>;

/** A version as `GET …/policies` lists it (server/policies/list-policies.ts). */
export const ZPolicyView = z.object({
  id: zId(),
  version: z.number(),
  roundId: zId().nullable(),
  head: z.string(),
  training: z.record(z.string(), z.unknown()).describe("Training summary (epochs, losses, timings)."),
  metrics: z.unknown().describe("Evaluation metrics, or null before evaluation."),
  kind: z.enum(POLICY_KINDS).describe("`imitation`: trained on the dataset; `rl-finetune`: REINFORCE fine-tuning of `parentVersion`."),
  parentVersion: z.number().nullable().describe("For an `rl-finetune` version: the imitation version it started from."),
  parentMetrics: z.unknown().describe("For an `rl-finetune` version: the parent's evaluation metrics on the same seeded episodes (null otherwise)."),
  publishedAt: zTimestamp().nullable(),
  createdAt: zTimestamp(),
});
export type TPolicyView = z.output<typeof ZPolicyView>;
/** The latest published version with its blob (`GET …/policies/latest`, JSON). */
export const ZLatestPolicyView = ZPolicyView.extend({
  training: z.record(z.string(), z.unknown()).describe("Training summary, with the loss curve."),
  blobBase64: z.string().describe("The serialised model (`.crpl`), base64."),
});
export type TLatestPolicyView = z.output<typeof ZLatestPolicyView>;
