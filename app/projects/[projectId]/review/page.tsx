import type { Metadata } from "next";
import type { TSpace } from "@/contracts/spaces";
import { getEnvSpec } from "@/envs/index";
import { projectSpec } from "@/server/projects/project-spec";
import { loadLeadPage } from "../../../_lib/lead-page";
import { ReviewQueue } from "./ReviewQueue";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Review · Corrective" };

export default async function ReviewPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.review(projectId), "review the labels");
  if (!page.ok) return page.refusal;
  const { project } = page;
  const env = project.envId ? getEnvSpec(project.envId) : null;
  const actionSpace = JSON.parse(JSON.stringify(projectSpec(project).actionSpace)) as TSpace;
  return <ReviewQueue project={{ id: project.id, name: project.name, envId: project.envId, actionSpace, dt: env?.dt ?? 0.05 }} />;
}
