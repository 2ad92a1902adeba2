import type { Metadata } from "next";
import { LEAD_PAGES } from "@/contracts/lead-routes";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { DatasetsBrowser } from "./DatasetsBrowser";

export const metadata: Metadata = { title: "Datasets · Corrective" };

export default async function DatasetsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, LEAD_PAGES.datasets(projectId), "browse, export and import the datasets");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Datasets" />
      <DatasetsBrowser project={page.lead} />
    </>
  );
}
