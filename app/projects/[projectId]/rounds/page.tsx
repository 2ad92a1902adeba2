import type { Metadata } from "next";
import { getContext } from "@/server/context";
import { getDashboard } from "@/server/quality/get-dashboard";
import { loadLeadPage } from "../../../_lib/lead-page";
import { RoundsDashboard } from "./RoundsDashboard";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Rounds · Corrective" };

export default async function RoundsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.rounds(projectId), "run the rounds");
  if (!page.ok) return page.refusal;
  const dashboard = await getDashboard(getContext().database.db, page.user, projectId);
  return <RoundsDashboard projectId={projectId} initial={JSON.parse(JSON.stringify(dashboard))} />;
}
