import { apiRoute, json } from "@/server/http/api-route";
import { readJson } from "@/server/http/respond";
import { claimRideAlong } from "@/server/tasks/claim-ride-along";

/** 200 with one rollout's leased tasks and its steps for a ride-along replay, or 204 when nothing is left. */
export const POST = apiRoute<{ projectId: string }>(async ({ req, db, caller, params }) => {
  const ride = await claimRideAlong(db, caller, params.projectId, (await readJson(req)) ?? {});
  return ride ? json(ride) : new Response(null, { status: 204 });
});
