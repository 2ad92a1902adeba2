import { addComment } from "@/server/comments/add-comment";
import { listComments } from "@/server/comments/list-comments";
import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";

type P = { projectId: string };
/** `?stateId=` one state's thread, `?rolloutId=` a rollout's, neither: the project's newest. */
export const GET = apiRoute<P>(async ({ req, db, caller, params }) =>
  json(await listComments(db, caller, params.projectId, Object.fromEntries(new URL(req.url).searchParams))),
);
/** 201 with the comment; `comment:added` goes to the project room. */
export const POST = apiRoute<P>(async ({ req, db, caller, params }) => json(await addComment(db, caller, params.projectId, await readJson(req)), 201));
