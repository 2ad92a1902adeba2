/**
 * What a project is, as the round loop needs it: settings with defaults applied, the env (built-in or
 * external) and its spaces, and the policy head to train.
 */
import { eq } from "drizzle-orm";
import { getEnvSpec, type EnvSpec } from "../../envs/index";
import { ZProjectSettings, type THeadName, type TProjectSettings } from "../../contracts/settings";
import { STATE_KEY, type TObservationSpace, type TSpace } from "../../contracts/spaces";
import { observationSpaceOf } from "../../envs/observation-space";
import { projects, type Project } from "../../db/schema";
import { notFound } from "../errors";
import type { DbOrTx } from "../jobs/queue";

export interface ProjectSpec {
  id: string;
  envId: string | null;
  env: EnvSpec | null;
  /** The observation's vector: the whole observation, or a `Dict` observation's `state` (what the MLP sees). */
  observationSpace: TSpace;
  /** The whole observation space: `observationSpace`, or a `Dict` of cameras and `state` (contracts/spaces.ts). */
  observation: TObservationSpace;
  actionSpace: TSpace;
  settings: TProjectSettings;
  head: THeadName;
  multimodalHead: boolean;
}

interface StoredConfig {
  settings?: unknown;
  external?: { observationSpace: TObservationSpace; actionSpace: TSpace };
}

export function projectSpec(project: Pick<Project, "id" | "envId" | "config">): ProjectSpec {
  const config = (project.config ?? {}) as StoredConfig;
  const settings = ZProjectSettings.parse(config.settings ?? {});
  const env = project.envId ? getEnvSpec(project.envId) : null;
  const observation = env ? observationSpaceOf(env) : config.external?.observationSpace;
  const actionSpace = (env?.actionSpace ?? config.external?.actionSpace) as TSpace | undefined;
  if (!observation || !actionSpace) throw new Error(`project ${project.id} has neither a built-in env nor external spaces`);
  const observationSpace = (observation.type === "dict" ? observation.spaces[STATE_KEY] : observation) as TSpace;
  const head = settings.head === "auto" ? (actionSpace.type === "discrete" ? "categorical" : "gaussian") : settings.head;
  return {
    id: project.id,
    envId: project.envId,
    env,
    observationSpace,
    observation,
    actionSpace,
    settings,
    head,
    multimodalHead: head !== "gaussian",
  };
}

export async function loadProjectSpec(db: DbOrTx, projectId: string): Promise<ProjectSpec> {
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p) throw notFound("Project not found");
  return projectSpec(p);
}
