import type { Metadata } from "next";
import { LABELING_PAGES } from "@/contracts/labeling";
import { requirePageUser } from "../../../_lib/page-auth";
import { loadWorkspaceProject } from "../label/workspace-props";
import { TakeoverWorkspace } from "./TakeoverWorkspace";

export const metadata: Metadata = { title: "Take over · Corrective" };

export default async function TakeoverPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await requirePageUser(LABELING_PAGES.takeover(projectId));
  return <TakeoverWorkspace project={await loadWorkspaceProject(user, projectId)} />;
}
