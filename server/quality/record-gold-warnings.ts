/**
 * Writes one `quality.gold_accuracy_low` audit entry per labeller and round whose gold accuracy fell below
 * the threshold — once: entries already in the log are not repeated. Called whenever quality is computed
 * (the quality page and the rounds dashboard), so a warning appears as soon as a lead looks after the
 * round was aggregated.
 */
import { and, eq } from "drizzle-orm";
import type { TQualityWarning } from "../../contracts/quality";
import type { Db } from "../../db/client";
import { auditLog } from "../../db/schema";

export const GOLD_WARNING_ACTION = "quality.gold_accuracy_low";

export async function recordGoldWarnings(db: Db, projectId: string, warnings: TQualityWarning[]): Promise<number> {
  if (warnings.length === 0) return 0;
  const existing = await db
    .select({ targetId: auditLog.targetId, data: auditLog.data })
    .from(auditLog)
    .where(and(eq(auditLog.projectId, projectId), eq(auditLog.action, GOLD_WARNING_ACTION)));
  const seen = new Set(existing.map((e) => `${e.targetId}:${(e.data as { roundIndex?: number }).roundIndex}`));
  const fresh = warnings.filter((w) => !seen.has(`${w.userId}:${w.roundIndex}`));
  if (fresh.length === 0) return 0;
  await db.insert(auditLog).values(
    fresh.map((w) => ({
      projectId,
      actorId: null,
      action: GOLD_WARNING_ACTION,
      targetType: "user",
      targetId: w.userId,
      data: { name: w.name, roundIndex: w.roundIndex, goldAccuracy: w.goldAccuracy, goldTotal: w.goldTotal, threshold: w.threshold },
    })),
  );
  return fresh.length;
}
