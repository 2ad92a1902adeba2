import { eq, sql } from "drizzle-orm";
import { ZUpdateProject } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { auditLog, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import type { Limits } from "../config";
import { notFound } from "../errors";
import { currentLimits } from "../limits/current-limits";
import { assertAggregationRule } from "./check-aggregation";
import { assertRlFineTunable } from "./check-rl-fine-tune";
import { getProject } from "./get-project";
import type { TProjectDetail } from "../../contracts/projects";
import { projectSpec } from "./project-spec";
import { assertWithinBudget } from "./training-budget";

/**
 * Lead-only: rename or re-describe a project, or change its RL fine-tuning option (`rlFineTune`) or its
 * aggregation rule (`aggregation`), both stored with the other settings in `projects.config.settings`
 * (422 where the project cannot use them). One transaction with its audit entry.
 */
export async function updateProject(
  db: Db,
  caller: Caller,
  projectId: string,
  input: unknown,
  limits: Pick<Limits, "trainingBudget"> = currentLimits(),
): Promise<TProjectDetail> {
  await authorizeProject(db, caller, projectId, "lead");
  const { rlFineTune, aggregation, ...patch } = ZUpdateProject.parse(input);
  await db.transaction(async (tx) => {
    const [project] = await tx.select().from(projects).where(eq(projects.id, projectId)).for("update");
    if (!project) throw notFound("Project not found");
    let config = project.config;
    if (rlFineTune !== undefined) {
      const spec = projectSpec(project);
      assertRlFineTunable(spec, rlFineTune !== null, "rlFineTune");
      assertWithinBudget(spec.observationSpace, spec.actionSpace, { ...spec.settings, rlFineTune }, limits.trainingBudget, "");
      const stored = (project.config ?? {}) as { settings?: Record<string, unknown> };
      config = { ...stored, settings: { ...stored.settings, rlFineTune } };
    }
    if (aggregation !== undefined) {
      const spec = projectSpec(project);
      assertAggregationRule(aggregation, spec.actionSpace, spec.settings, "aggregation");
      const stored = (config ?? {}) as { settings?: Record<string, unknown> };
      config = { ...stored, settings: { ...stored.settings, aggregation } };
    }
    await tx.update(projects).set({ ...patch, config, updatedAt: sql`now()` }).where(eq(projects.id, projectId));
    await tx.insert(auditLog).values({
      projectId,
      actorId: caller.id,
      action: "project.updated",
      targetType: "project",
      targetId: projectId,
      data: { ...patch, ...(rlFineTune === undefined ? {} : { rlFineTune }), ...(aggregation === undefined ? {} : { aggregation }) },
    });
  });
  return getProject(db, caller, projectId);
}
