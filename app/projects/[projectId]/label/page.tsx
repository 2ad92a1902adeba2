import type { Metadata } from "next";
import { requirePageUser } from "../../../_lib/page-auth";
import { LabelWorkspace } from "./LabelWorkspace";
import { loadWorkspaceProject } from "./workspace-props";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Label · Corrective" };

export default async function LabelPage({ params, searchParams }: { params: Promise<{ projectId: string }>; searchParams: Promise<{ mode?: string }> }) {
  const { projectId } = await params;
  const { mode } = await searchParams;
  const user = await requirePageUser(PAGES.label(projectId));
  const project = await loadWorkspaceProject(user, projectId);
  return <LabelWorkspace project={project} initialMode={mode === "ride" ? "ride" : "single"} />;
}
