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
}

export interface RolloutInsert {
  projectId: string;
  roundId: string;
  policyId?: string | null;
  source: "policy" | "expert" | "teleop" | "takeover" | "external";
  seed?: number | null;
  meta?: Record<string, unknown>;
  steps: StepRow[];
}

/** One rollout and its states, in the caller's transaction. */
export async function insertRollout(tx: Tx, r: RolloutInsert): Promise<string> {
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
    })
    .returning({ id: rollouts.id });
  if (!row) throw new Error("rollout insert returned nothing");
  const stateRows = r.steps.map((s, t) => ({
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
  }));
  for (let i = 0; i < stateRows.length; i += 1000) await tx.insert(states).values(stateRows.slice(i, i + 1000));
  return row.id;
}
