/**
 * Turns a round's visited states into labelling tasks: selection (all / stride / uniform / uncertainty),
 * k labels each, and gold states mixed in at the gold rate where a scripted expert knows the answer.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { createExpert } from "../../envs/index";
import { rollouts, states, tasks, type Round } from "../../db/schema";
import { selectStates } from "../../trainer/dagger/select";
import { mulberry32, permutation } from "../../trainer/random";
import type { Tx } from "../../db/tx";
import type { ProjectSpec } from "../projects/project-spec";

const SEED_SALT = 0x5eed;

export async function createTasksForRound(tx: Tx, round: Round, spec: ProjectSpec): Promise<number> {
  const candidates = await tx
    .select({ id: states.id, t: states.t, rolloutId: states.rolloutId, uncertainty: states.uncertainty, envState: states.envState })
    .from(states)
    .innerJoin(rollouts, eq(rollouts.id, states.rolloutId))
    // Intervention steps are labelled already (by the person who took over): no task for them.
    .where(and(eq(rollouts.roundId, round.id), inArray(rollouts.source, ["policy", "external"]), eq(states.intervention, false)))
    .orderBy(asc(rollouts.createdAt), asc(states.t));
  if (candidates.length === 0) return 0;

  const { selection, statesPerRound, stride, labelsPerState, goldRate } = spec.settings;
  const rng = mulberry32((round.index * 7919) ^ SEED_SALT);
  let chosen: number[];
  if (selection === "all") chosen = candidates.map((_, i) => i);
  else if (selection === "stride") chosen = candidates.flatMap((c, i) => (c.t % stride === 0 ? [i] : []));
  else {
    const trajectory = new Map<string, number>();
    const cands = candidates.map((c) => ({
      trajectory: trajectory.get(c.rolloutId) ?? trajectory.set(c.rolloutId, trajectory.size).size - 1,
      t: c.t,
      uncertainty: c.uncertainty ?? 0,
    }));
    chosen = selectStates(cands, statesPerRound, selection, rng);
  }
  chosen = chosen.slice(0, statesPerRound);

  // Gold: states whose expert answer is known, never revealed to labellers.
  const gold = new Map<number, number | number[]>();
  if (goldRate > 0 && spec.env?.hasExpert && spec.envId) {
    const expert = createExpert(spec.envId, { seed: round.index });
    const nGold = Math.max(1, Math.round(goldRate * chosen.length));
    const order = permutation(chosen.length, rng);
    for (let j = 0; j < order.length && gold.size < nGold; j++) {
      const c = candidates[chosen[order[j] as number] as number];
      if (c?.envState) gold.set(chosen[order[j] as number] as number, toPlain(expert.act(c.envState)));
    }
  }

  // One transaction stamps every task with the same now(): a microsecond apart in selection order instead, so
  // "oldest first" hands out a rollout's states in order and a batched claim gets neighbours, whose replay
  // contexts overlap (~80 steps to read and send for 20 tasks instead of ~20 × 61), rather than a random spread.
  const rows = chosen.map((i, n) => ({
    createdAt: sql`now() + ${n} * interval '1 microsecond'`,
    projectId: round.projectId,
    roundId: round.id,
    stateId: (candidates[i] as { id: string }).id,
    required: labelsPerState,
    isGold: gold.has(i),
    goldAction: gold.get(i) ?? null,
  }));
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(tasks).values(rows.slice(i, i + 1000)).onConflictDoNothing();
  // Fresh statistics for the claim's plan: without them a round's first claims are planned for an empty table
  // (a sort of every open task and a scan of the caller's labels per candidate: 7 ms a claim at 1,400 tasks,
  // instead of walking tasks_claim_idx to the first free task).
  await tx.execute(sql`analyze ${tasks}`);
  return rows.length;
}

function toPlain(a: number | readonly number[]): number | number[] {
  return typeof a === "number" ? a : Array.from(a);
}
