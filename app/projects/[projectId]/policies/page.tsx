import type { Metadata } from "next";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { PoliciesView } from "./PoliciesView";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Policies · Corrective" };

export default async function PoliciesPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.policies(projectId), "download, compare and roll back the policies");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Policies" />
      <PoliciesView project={page.lead} />
    </>
  );
}
