/**
 * Lead-only: makes a state gold with the lead's answer. The answer is stored on tasks:
 * - the open labelling round gets a gold task on the state (an existing task there becomes gold; otherwise a
 *   new one needing the project's k labels), so its labellers are scored against it at aggregation;
 * - the state's own round keeps a gold task too (required 0: never offered again), which puts the state in
 *   the project's gold pool for later rounds (see apply-gold.ts).
 * Audited. Unmarking clears the answer from every task of the state.
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { ZMarkGold, type TGoldEntry } from "../../contracts/quality";
import type { Db } from "../../db/client";
import { auditLog, rollouts, rounds, states, tasks } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import type { Tx } from "../../db/tx";
import { loadProjectSpec } from "../projects/project-spec";
import { checkAction } from "../rollouts/validate-steps";
import { listGold } from "./list-gold";

export async function markGold(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TGoldEntry> {
  await authorizeProject(db, caller, projectId, "lead");
  const { stateId, action } = ZMarkGold.parse(input);
  const spec = await loadProjectSpec(db, projectId);
  checkAction(spec.actionSpace, action, "action");
  await db.transaction(async (tx) => {
    const [state] = await tx
      .select({ id: states.id, roundId: rollouts.roundId })
      .from(states)
      .innerJoin(rollouts, eq(rollouts.id, states.rolloutId))
      .where(and(eq(states.id, stateId), eq(states.projectId, projectId)));
    if (!state) throw notFound("State not found in this project");
    const [open] = await tx.select({ id: rounds.id }).from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.status, "labeling"))).for("update");
    if (open) await upsertGoldTask(tx, projectId, open.id, stateId, action, spec.settings.labelsPerState);
    if (state.roundId !== open?.id) await upsertGoldTask(tx, projectId, state.roundId, stateId, action, 0);
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "gold.marked", targetType: "state", targetId: stateId, data: { action, openRound: Boolean(open) } });
  });
  const entry = (await listGold(db, projectId)).find((g) => g.stateId === stateId);
  if (!entry) throw new Error("gold entry vanished after marking");
  return entry;
}

async function upsertGoldTask(tx: Tx, projectId: string, roundId: string, stateId: string, action: number | number[], required: number) {
  await tx
    .insert(tasks)
    .values({ projectId, roundId, stateId, required, isGold: true, goldAction: action })
    .onConflictDoUpdate({ target: [tasks.roundId, tasks.stateId], set: { isGold: true, goldAction: sql`excluded.gold_action` } });
}

export async function unmarkGold(db: Db, caller: Caller, projectId: string, stateId: string): Promise<void> {
  await authorizeProject(db, caller, projectId, "lead");
  if (!z.uuid().safeParse(stateId).success) throw notFound("Gold state not found");
  await db.transaction(async (tx) => {
    const cleared = await tx
      .update(tasks)
      .set({ isGold: false, goldAction: null })
      .where(and(eq(tasks.projectId, projectId), eq(tasks.stateId, stateId), eq(tasks.isGold, true)))
      .returning({ id: tasks.id });
    if (cleared.length === 0) throw notFound("Gold state not found");
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "gold.unmarked", targetType: "state", targetId: stateId, data: { tasks: cleared.length } });
  });
}
