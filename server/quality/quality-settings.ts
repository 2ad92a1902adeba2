/**
 * The project's quality settings live in `projects.config.quality` (beside `settings`, which the round loop
 * reads): the gold-accuracy threshold for warnings. Reading applies the defaults.
 */
import { eq, sql } from "drizzle-orm";
import { ZQualitySettings, type TQualitySettings } from "../../contracts/quality";
import type { Db } from "../../db/client";
import { auditLog, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import type { DbOrTx } from "../../db/tx";

export async function readQualitySettings(db: DbOrTx, projectId: string): Promise<TQualitySettings> {
  const [p] = await db.select({ config: projects.config }).from(projects).where(eq(projects.id, projectId));
  const stored = (p?.config as { quality?: unknown } | undefined)?.quality ?? {};
  const parsed = ZQualitySettings.safeParse(stored);
  return parsed.success ? parsed.data : ZQualitySettings.parse({});
}

/** Lead-only: changes the quality settings (partial update), audited. */
export async function updateQualitySettings(db: Db, caller: Caller, projectId: string, input: unknown): Promise<TQualitySettings> {
  await authorizeProject(db, caller, projectId, "lead");
  const patch = ZQualitySettings.partial().strict().parse(input ?? {});
  return db.transaction(async (tx) => {
    const next = ZQualitySettings.parse({ ...(await readQualitySettings(tx, projectId)), ...patch });
    await tx
      .update(projects)
      .set({ config: sql`jsonb_set(${projects.config}, '{quality}', ${JSON.stringify(next)}::jsonb, true)`, updatedAt: sql`now()` })
      .where(eq(projects.id, projectId));
    await tx.insert(auditLog).values({ projectId, actorId: caller.id, action: "quality.settings_updated", targetType: "project", targetId: projectId, data: next });
    return next;
  });
}
