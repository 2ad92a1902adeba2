import type { Metadata } from "next";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { AuditLog } from "./AuditLog";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Audit log · Corrective" };

export default async function AuditPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.audit(projectId), "read the audit log");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Audit log" />
      <AuditLog projectId={page.lead.id} />
    </>
  );
}
