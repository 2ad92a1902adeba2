/**
 * Loads what the labelling, teleoperation and takeover pages need to know about a project (the type lives
 * with the workspace parts, `app/_components/workspace/types.ts`), on the server, for the page components.
 */
import type { TSpace } from "@/contracts/spaces";
import { getEnvSpec } from "@/envs/index";
import type { WorkspaceProject } from "@/app/_components/workspace/types";
import type { Caller } from "@/server/auth/caller";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";
import { projectSpec } from "@/server/projects/project-spec";
import { latestRound, userLabelCount } from "@/server/rounds/round-view";
import { orNotFound } from "../../../_lib/page-auth";

export type { WorkspaceProject };

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
