import { randomBytes } from "node:crypto";
import { getEnvSpec } from "../../envs/index";
import { ZCreateProject } from "../../contracts/settings";
import type { TProjectSummary } from "../../contracts/projects";
import type { Db } from "../../db/client";
import { auditLog, memberships, projects } from "../../db/schema";
import type { Caller } from "../auth/authorize-project";
import { unprocessable } from "../errors";
import { ZProjectSettings } from "../../contracts/settings";
import { assertRlFineTunable } from "./check-rl-fine-tune";

const slugify = (name: string) =>
  `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "project"}-${randomBytes(3).toString("hex")}`;

/** Any signed-in user may create a project and becomes its lead. Settings are defaulted and stored whole. */
export async function createProject(db: Db, caller: Caller, input: unknown): Promise<TProjectSummary> {
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
  assertRlFineTunable({ envId: data.envId ?? null, actionSpace, settings }, settings.rlFineTune !== null, "settings.rlFineTune");
  return db.transaction(async (tx) => {
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
    return {
      id: p.id,
      slug: p.slug,
      name: p.name,
      description: p.description,
      envId: p.envId,
      role: "lead",
      memberCount: 1,
      createdAt: p.createdAt.toISOString(),
    };
  });
}
