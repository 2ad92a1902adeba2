/** Comments on a state or a rollout: threaded, with @mentions of project members. */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";

export const COMMENT_MAX_LENGTH = 4000;

export const ZCreateComment = z
  .object({
    /** The state the comment is about (its rollout is filled in by the server). */
    stateId: z.uuid().optional(),
    /** A whole rollout (when no state is given). */
    rolloutId: z.uuid().optional(),
    /** Reply to this comment; the reply inherits its target. */
    parentId: z.uuid().optional(),
    body: z.string().trim().min(1, "Write something first").max(COMMENT_MAX_LENGTH, "Comment is too long"),
    /** Members picked from the @-autocomplete; `@Name` typed in the body is recognised too. */
    mentions: z.array(z.uuid()).max(20).default([]),
  })
  .strict()
  .refine((c) => Boolean(c.stateId || c.rolloutId || c.parentId), { message: "Comment on a state, a rollout, or reply to a comment", path: ["stateId"] });
export type TCreateComment = z.infer<typeof ZCreateComment>;

/** Query of `GET /api/v1/projects/{id}/comments`: a state's thread, a rollout's (its states' included), or the newest in the project. */
export const ZListComments = z
  .object({
    stateId: z.uuid().optional(),
    rolloutId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .strict();
export type TListComments = z.infer<typeof ZListComments>;

export const ZCommentView = z.object({
  id: zId(),
  projectId: zId(),
  stateId: zId().nullable(),
  rolloutId: zId().nullable(),
  t: z.number().nullable().describe("Step of the state within its rollout (null for a rollout comment)."),
  parentId: zId().nullable(),
  author: z.object({ id: zId(), name: z.string() }),
  body: z.string(),
  mentions: z.array(z.object({ id: zId(), name: z.string() })),
  createdAt: zTimestamp(),
});
export type TComment = z.output<typeof ZCommentView>;
