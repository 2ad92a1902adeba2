import type { Metadata } from "next";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { QualityView } from "./QualityView";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Quality · Corrective" };

export default async function QualityPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.quality(projectId), "see labeller quality and manage the gold states");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Quality" />
      <QualityView project={page.lead} />
    </>
  );
}
