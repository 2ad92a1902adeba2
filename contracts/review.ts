/** The lead's review queue: states whose labels did not agree (or were "can't tell"), and the decisions. */
import { z } from "zod";

const ZActionValue = z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)]);

export const ZReviewQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();
export type TReviewQuery = z.infer<typeof ZReviewQuery>;

/** Accept one action for the state (it joins the next dataset version), or exclude the state for good. */
export const ZReviewDecision = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("accept"), action: ZActionValue, note: z.string().trim().max(500).optional() }).strict(),
  z.object({ decision: z.literal("exclude"), note: z.string().trim().max(500).optional() }).strict(),
]);
export type TReviewDecision = z.infer<typeof ZReviewDecision>;

export interface TReviewLabel {
  id: string;
  userId: string;
  userName: string;
  action: number | number[] | null;
  cantTell: boolean;
  durationMs: number | null;
  createdAt: string;
}

export interface TReplayStep {
  t: number;
  observation: number[];
  envState: number[] | null;
  action: number | number[] | null;
}

export interface TReviewItem {
  /** The aggregated_labels row. */
  id: string;
  roundIndex: number;
  stateId: string;
  reason: string | null;
  agreement: number;
  labelCount: number;
  labels: TReviewLabel[];
  state: TReplayStep & { policyAction: number | number[] | null; uncertainty: number | null };
  /** The rollout's states up to and including this one (oldest first, at most REVIEW_CONTEXT_STEPS). */
  context: TReplayStep[];
  rolloutId: string;
  rolloutLength: number;
  createdAt: string;
}

export interface TReviewPage {
  items: TReviewItem[];
  total: number;
  offset: number;
  limit: number;
}

export const REVIEW_CONTEXT_STEPS = 120;

export interface TReviewResult {
  id: string;
  status: "accepted" | "excluded";
  actions: (number | number[])[];
  reviewerId: string;
}
