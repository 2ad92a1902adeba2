import type { Metadata } from "next";
import { requirePageUser } from "../../../_lib/page-auth";
import { loadWorkspaceProject } from "../label/workspace-props";
import { TakeoverWorkspace } from "./TakeoverWorkspace";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Take over · Corrective" };

export default async function TakeoverPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await requirePageUser(PAGES.takeover(projectId));
  return <TakeoverWorkspace project={await loadWorkspaceProject(user, projectId)} />;
}
