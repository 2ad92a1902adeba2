/**
 * What the labelling, teleoperation and takeover pages need to know about a project, loaded on the server
 * (page components) and handed to the client components as plain JSON.
 */
import type { TProjectRole } from "@/contracts/projects";
import type { TSpace } from "@/contracts/spaces";
import { getEnvSpec } from "@/envs/index";
import type { Caller } from "@/server/auth/caller";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";
import { projectSpec } from "@/server/projects/project-spec";
import { latestRound, userLabelCount } from "@/server/rounds/round-view";
import { orNotFound } from "../../../_lib/page-auth";

export interface WorkspaceProject {
  id: string;
  name: string;
  envId: string | null;
  role: TProjectRole;
  actionSpace: TSpace;
  observationSpace: TSpace;
  /** Seconds per step (replay speed 1×); 0.05 for external projects. */
  dt: number;
  hasExpert: boolean;
  me: { id: string; name: string };
  members: { id: string; name: string; role: TProjectRole }[];
  /** The caller's labels in the round labelling now (personal progress). */
  myLabelsThisRound: number;
  labelingRoundIndex: number | null;
}

export async function loadWorkspaceProject(user: Caller, projectId: string): Promise<WorkspaceProject> {
  const db = getContext().database.db;
  const project = await orNotFound(() => getProject(db, user, projectId));
  const env = project.envId ? getEnvSpec(project.envId) : null;
  const { actionSpace, observationSpace } = projectSpec(project);
  const round = await latestRound(db, projectId);
  const labeling = round?.status === "labeling" ? round : null;
  return {
    id: project.id,
    name: project.name,
    envId: project.envId,
    role: project.role,
    actionSpace: JSON.parse(JSON.stringify(actionSpace)) as TSpace,
    observationSpace: JSON.parse(JSON.stringify(observationSpace)) as TSpace,
    dt: env?.dt ?? 0.05,
    hasExpert: env?.hasExpert ?? false,
    me: { id: user.id, name: user.name },
    members: project.members.map((m) => ({ id: m.userId, name: m.name, role: m.role })),
    myLabelsThisRound: labeling ? await userLabelCount(db, labeling.id, user.id) : 0,
    labelingRoundIndex: labeling?.index ?? null,
  };
}
