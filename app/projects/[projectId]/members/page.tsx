import type { Metadata } from "next";
import { LEAD_PAGES } from "@/contracts/lead-routes";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { MembersView } from "./MembersView";

export const metadata: Metadata = { title: "Members · Corrective" };

export default async function MembersPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, LEAD_PAGES.members(projectId), "manage the members");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Members" />
      <MembersView projectId={page.project.id} members={page.project.members} meId={page.user.id} />
    </>
  );
}
