/**
 * What the labelling, ride-along, demonstration and takeover views know about a project: loaded on the server
 * (`app/projects/[projectId]/label/workspace-props.ts`) and handed to the client components as plain JSON.
 */
import type { TProjectRole } from "@/contracts/projects";
import type { TSpace } from "@/contracts/spaces";

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
