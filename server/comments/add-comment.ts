import { eq } from "drizzle-orm";
import { ZCreateComment, type TComment } from "../../contracts/comments";
import type { Db } from "../../db/client";
import { comments, rollouts, states } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound, unprocessable } from "../errors";
import { transactionWithEvents } from "../realtime/with-events";
import { mentionsInBody, projectMembers } from "./project-members";

/**
 * A labeller (or lead) comments on a state or a rollout, or replies to a comment (the reply inherits its
 * target). Mentions must be project members; `@Name` in the body is recognised as well. Publishes
 * `comment:added` to the project room after commit.
 */
export async function addComment(db: Db, caller: Caller & { name?: string }, projectId: string, input: unknown): Promise<TComment> {
  await authorizeProject(db, caller, projectId, "labeler");
  const body = ZCreateComment.parse(input);
  const members = await projectMembers(db, projectId);
  for (const id of body.mentions) if (!members.has(id)) throw unprocessable("mentions", "you can only mention members of this project");
  const mentions = [...new Set([...body.mentions, ...mentionsInBody(body.body, members.values())])].filter((id) => id !== caller.id || body.mentions.includes(id));

  return transactionWithEvents(db, async (tx, emit) => {
    let stateId = body.stateId ?? null;
    let rolloutId = body.rolloutId ?? null;
    if (body.parentId) {
      const [parent] = await tx.select().from(comments).where(eq(comments.id, body.parentId));
      if (!parent || parent.projectId !== projectId) throw notFound("Comment not found");
      stateId = parent.stateId;
      rolloutId = parent.rolloutId;
    }
    let t: number | null = null;
    if (stateId) {
      const [state] = await tx.select({ projectId: states.projectId, rolloutId: states.rolloutId, t: states.t }).from(states).where(eq(states.id, stateId));
      if (!state || state.projectId !== projectId) throw notFound("State not found");
      rolloutId = state.rolloutId;
      t = state.t;
    } else if (rolloutId) {
      const [rollout] = await tx.select({ projectId: rollouts.projectId }).from(rollouts).where(eq(rollouts.id, rolloutId));
      if (!rollout || rollout.projectId !== projectId) throw notFound("Rollout not found");
    }
    const [row] = await tx
      .insert(comments)
      .values({ projectId, stateId, rolloutId, parentId: body.parentId ?? null, authorId: caller.id, body: body.body, mentions })
      .returning();
    if (!row) throw new Error("comment insert returned nothing");
    const author = members.get(caller.id);
    const comment: TComment = {
      id: row.id,
      projectId,
      stateId,
      rolloutId,
      t,
      parentId: row.parentId,
      author: { id: caller.id, name: author?.name ?? caller.name ?? "Someone" },
      body: row.body,
      mentions: mentions.map((id) => ({ id, name: members.get(id)?.name ?? "?" })),
      createdAt: row.createdAt.toISOString(),
    };
    emit({ type: "comment:added", projectId, comment });
    return comment;
  });
}
