import type { Metadata } from "next";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { DatasetsBrowser } from "./DatasetsBrowser";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Datasets · Corrective" };

export default async function DatasetsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.datasets(projectId), "browse, export and import the datasets");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Datasets" />
      <DatasetsBrowser project={page.lead} />
    </>
  );
}
