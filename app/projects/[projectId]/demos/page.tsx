import type { Metadata } from "next";
import { requirePageUser } from "../../../_lib/page-auth";
import { loadWorkspaceProject } from "../label/workspace-props";
import { DemosWorkspace } from "./DemosWorkspace";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Demonstrate · Corrective" };

export default async function DemosPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await requirePageUser(PAGES.demos(projectId));
  return <DemosWorkspace project={await loadWorkspaceProject(user, projectId)} />;
}
