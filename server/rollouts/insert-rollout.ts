import { and, eq } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk-insert";
import { rollouts, states } from "../../db/schema";
import type { Tx } from "../jobs/queue";

export interface StepRow {
  observation: number[];
  envState?: number[] | null;
  action?: number | number[] | null;
  policyAction?: number | number[] | null;
  uncertainty?: number | null;
  reward?: number | null;
  frameId?: string | null;
  /** Image observations: camera key → frame id (see `states.images`). */
  images?: Record<string, string> | null;
  /** A person took over at this step; `action` is what they did. */
  intervention?: boolean;
}

export interface RolloutInsert {
  projectId: string;
  roundId: string;
  policyId?: string | null;
  source: "policy" | "expert" | "teleop" | "takeover" | "external";
  seed?: number | null;
  meta?: Record<string, unknown>;
  /** The uploader's id for this rollout: stored once per project, however often it is sent. */
  clientId?: string | null;
  steps: StepRow[];
}

/** One rollout and its states, in the caller's transaction. */
export async function insertRollout(tx: Tx, r: RolloutInsert): Promise<string> {
  return (await insertRolloutOnce(tx, r)).id;
}

/**
 * Like `insertRollout`, but a rollout whose `clientId` the project already has is not stored again: the
 * stored one's id comes back with `duplicate: true`. `on conflict do nothing` on the unique (project,
 * client id) index makes two concurrent uploads of the same id store it once, not fail.
 */
export async function insertRolloutOnce(tx: Tx, r: RolloutInsert): Promise<{ id: string; duplicate: boolean; roundId: string }> {
  const rewards = r.steps.map((s) => s.reward).filter((x): x is number => typeof x === "number");
  const [row] = await tx
    .insert(rollouts)
    .values({
      projectId: r.projectId,
      roundId: r.roundId,
      policyId: r.policyId ?? null,
      source: r.source,
      seed: r.seed ?? null,
      length: r.steps.length,
      totalReturn: rewards.length ? rewards.reduce((a, b) => a + b, 0) : null,
      meta: r.meta ?? {},
      clientId: r.clientId ?? null,
    })
    .onConflictDoNothing()
    .returning({ id: rollouts.id });
  if (!row) {
    const [existing] = r.clientId
      ? await tx.select({ id: rollouts.id, roundId: rollouts.roundId }).from(rollouts).where(and(eq(rollouts.projectId, r.projectId), eq(rollouts.clientId, r.clientId)))
      : [];
    if (!existing) throw new Error("rollout insert returned nothing");
    return { id: existing.id, duplicate: true, roundId: existing.roundId };
  }
  // One jsonb parameter per chunk (db/bulk-insert.ts): uploads of long episodes are the ingest hot path.
  await bulkInsert(
    tx,
    states,
    r.steps.map((s, t) => ({
      projectId: r.projectId,
      rolloutId: row.id,
      t,
      observation: s.observation,
      envState: s.envState ?? null,
      action: s.action ?? null,
      policyAction: s.policyAction ?? null,
      uncertainty: s.uncertainty ?? null,
      reward: s.reward ?? null,
      frameId: s.frameId ?? null,
      images: s.images ?? undefined,
      intervention: s.intervention ?? false,
    })),
  );
  return { id: row.id, duplicate: false, roundId: r.roundId };
}
