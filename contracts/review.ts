/** The lead's review queue: states whose labels did not agree (or were "can't tell"), and the decisions. */
import { z } from "zod";
import { ZActionOut, zId, zTimestamp } from "./fields";

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

export const ZReviewLabel = z.object({
  id: zId(),
  userId: zId(),
  userName: z.string(),
  action: ZActionOut.nullable(),
  cantTell: z.boolean(),
  durationMs: z.number().nullable(),
  createdAt: zTimestamp(),
});
export type TReviewLabel = z.output<typeof ZReviewLabel>;

export const ZReplayStep = z.object({ t: z.number(), observation: z.array(z.number()), envState: z.array(z.number()).nullable(), action: ZActionOut.nullable() });
export type TReplayStep = z.output<typeof ZReplayStep>;

export const ZReviewItem = z.object({
  /** The aggregated_labels row. */
  id: zId(),
  roundIndex: z.number(),
  stateId: zId(),
  reason: z.string().nullable(),
  agreement: z.number(),
  labelCount: z.number(),
  labels: z.array(ZReviewLabel),
  state: ZReplayStep.extend({ policyAction: ZActionOut.nullable(), uncertainty: z.number().nullable() }),
  /** At most REVIEW_CONTEXT_STEPS. */
  context: z.array(ZReplayStep).describe("The rollout up to and including the state (oldest first)."),
  rolloutId: zId(),
  rolloutLength: z.number(),
  createdAt: zTimestamp(),
});
export type TReviewItem = z.output<typeof ZReviewItem>;

export const ZReviewPageView = z.object({ items: z.array(ZReviewItem), total: z.number(), offset: z.number(), limit: z.number() });
export type TReviewPage = z.output<typeof ZReviewPageView>;

export const REVIEW_CONTEXT_STEPS = 120;

export const ZReviewResultView = z.object({ id: zId(), status: z.enum(["accepted", "excluded"]), actions: z.array(ZActionOut), reviewerId: zId() });
export type TReviewResult = z.output<typeof ZReviewResultView>;
