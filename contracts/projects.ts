import { z } from "zod";
import { AGGREGATION_RULES, ZRlFineTune } from "./settings";
import { zId, zTimestamp } from "./fields";

export const PROJECT_ROLES = ["lead", "labeler", "viewer"] as const;
export const ZProjectRole = z.enum(PROJECT_ROLES);
export type TProjectRole = z.infer<typeof ZProjectRole>;

/** Role order: a lead can do everything a labeler can, a labeler everything a viewer can. */
export const ROLE_RANK: Record<TProjectRole, number> = { viewer: 0, labeler: 1, lead: 2 };

export const ZProjectId = z.uuid("Not a project id");

export const ZProjectSummaryView = z.object({
  id: zId(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  envId: z.string().nullable(),
  role: ZProjectRole.describe("The caller's role; `lead` for a site admin without a membership."),
  memberCount: z.number(),
  createdAt: zTimestamp(),
});
export type TProjectSummary = z.output<typeof ZProjectSummaryView>;
export const ZMemberView = z.object({ userId: zId(), name: z.string(), email: z.string(), role: ZProjectRole });
export type TMember = z.output<typeof ZMemberView>;
export const ZProjectDetailView = ZProjectSummaryView.extend({
  config: z.unknown().describe("Stored configuration: `{ settings, external? }` with every setting defaulted."),
  members: z.array(ZMemberView),
});
export type TProjectDetail = z.output<typeof ZProjectDetailView>;

export const ZUpdateProject = z
  .object({
    name: z.string().trim().min(1, "Name is required").max(120, "Name is too long").optional(),
    description: z.string().trim().max(2000, "Description is too long").optional(),
    /** Turn RL fine-tuning on (or change it), or off with `null`; applies from the next round that publishes. */
    rlFineTune: ZRlFineTune.nullable().optional(),
    /** The aggregation rule (`mode-aware`, `majority`, `reliability`); applies from the next round that aggregates. */
    aggregation: z.enum(AGGREGATION_RULES).optional(),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.description !== undefined || v.rlFineTune !== undefined || v.aggregation !== undefined, "Nothing to update");
export type TUpdateProject = z.infer<typeof ZUpdateProject>;
