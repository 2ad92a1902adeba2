/**
 * Lead-only: puts the project's gold pool into the open labelling round — one gold task (needing the
 * project's k labels) for every pool state that has no task there yet — so this round's labellers are
 * checked against known answers from earlier rounds. Audited.
 */
import { and, eq } from "drizzle-orm";
import { ZApplyGold, type TGoldApplied } from "../../contracts/quality";
import type { Db } from "../../db/client";
import { auditLog, rounds, tasks } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError } from "../errors";
import { loadProjectSpec } from "../projects/project-spec";
import { listGold } from "./list-gold";

export async function applyGold(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TGoldApplied> {
  await authorizeProject(db, caller, projectId, "lead");
  const { limit } = ZApplyGold.parse(input ?? {});
  const spec = await loadProjectSpec(db, projectId);
  const pool = (await listGold(db, projectId)).filter((g) => !g.inOpenRound).slice(0, limit);
  return db.transaction(async (tx) => {
    const [open] = await tx.select().from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.status, "labeling"))).for("update");
    if (!open) throw new AppError("CONFLICT", "No round is labelling; gold tasks join a labelling round");
    let added = 0;
    for (const g of pool) {
      const rows = await tx
        .insert(tasks)
        .values({ projectId, roundId: open.id, stateId: g.stateId, required: spec.settings.labelsPerState, isGold: true, goldAction: g.action })
        .onConflictDoNothing()
        .returning({ id: tasks.id });
      added += rows.length;
    }
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "gold.applied", targetType: "round", targetId: open.id, data: { roundIndex: open.index, added } });
    return { roundIndex: open.index, added };
  });
}
