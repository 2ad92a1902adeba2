import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { getEnvSpec } from "../../envs/index";
import type { TSpace } from "../../contracts/spaces";
import { ZCreateProject } from "../../contracts/settings";
import type { TProjectSummary } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { auditLog, memberships, projects, users } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import type { Limits } from "../config";
import { unprocessable } from "../errors";
import { currentLimits } from "../limits/current-limits";
import { ZProjectSettings } from "../../contracts/settings";
import { assertAggregationRule } from "./check-aggregation";
import { projectSummary } from "./project-summary";
import { assertRlFineTunable } from "./check-rl-fine-tune";
import { assertWithinBudget } from "./training-budget";

const slugify = (name: string) =>
  `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "project"}-${randomBytes(3).toString("hex")}`;

/**
 * Any signed-in user may create a project and becomes its lead. Settings are defaulted and stored whole, and
 * must fit the instance's training budget (422 naming the settings); a non-admin may have created at most
 * `PROJECT_QUOTA` projects (422 on `quota`).
 */
export async function createProject(
  db: Db,
  caller: Caller,
  input: unknown,
  limits: Pick<Limits, "projectQuota" | "trainingBudget"> = currentLimits(),
): Promise<TProjectSummary> {
  const data = ZCreateProject.parse(input);
  if (data.envId) {
    try {
      getEnvSpec(data.envId);
    } catch (err) {
      throw unprocessable("envId", (err as Error).message);
    }
  }
  const settings = ZProjectSettings.parse(data.settings);
  if (settings.head === "categorical" && data.external?.actionSpace.type === "box") throw unprocessable("settings.head", "categorical needs a discrete action space");
  const actionSpace = data.envId ? getEnvSpec(data.envId).actionSpace : data.external!.actionSpace;
  const observation = data.envId ? getEnvSpec(data.envId).observationSpace : data.external!.observationSpace;
  // The budget counts the vector part (an image policy's encoder is the trainer's to size).
  const observationSpace = (observation.type === "dict" ? observation.spaces.state : observation) as TSpace;
  assertRlFineTunable({ envId: data.envId ?? null, actionSpace, settings }, settings.rlFineTune !== null, "settings.rlFineTune");
  assertAggregationRule(settings.aggregation, actionSpace, settings, "settings.aggregation");
  assertWithinBudget(observationSpace, actionSpace, settings, limits.trainingBudget);
  return db.transaction(async (tx) => {
    if (!caller.isAdmin && limits.projectQuota > 0) {
      // The caller's row lock serialises their concurrent creates, so the count cannot be raced past.
      await tx.select({ id: users.id }).from(users).where(eq(users.id, caller.id)).for("update");
      const [mine] = await tx.select({ n: sql<number>`count(*)::int` }).from(projects).where(eq(projects.createdBy, caller.id));
      if ((mine?.n ?? 0) >= limits.projectQuota) {
        throw unprocessable("quota", `you have created ${mine?.n} projects, the most this instance allows per user (PROJECT_QUOTA = ${limits.projectQuota}); delete one or ask an administrator`);
      }
    }
    const [p] = await tx
      .insert(projects)
      .values({
        name: data.name,
        slug: slugify(data.name),
        description: data.description,
        envId: data.envId ?? null,
        config: { settings, ...(data.external ? { external: data.external } : {}) },
        createdBy: caller.id,
      })
      .returning();
    if (!p) throw new Error("project insert returned nothing");
    await tx.insert(memberships).values({ projectId: p.id, userId: caller.id, role: "lead" });
    await tx.insert(auditLog).values({ projectId: p.id, actorId: caller.id, action: "project.created", targetType: "project", targetId: p.id, data: { envId: p.envId, settings } });
    return projectSummary(p, "lead", 1);
  });
}
