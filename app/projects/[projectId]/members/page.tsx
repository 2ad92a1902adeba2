import type { Metadata } from "next";
import { LeadHeader, loadLeadPage } from "../../../_lib/lead-page";
import { MembersView } from "./MembersView";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "Members · Corrective" };

export default async function MembersPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const page = await loadLeadPage(projectId, PAGES.members(projectId), "manage the members");
  if (!page.ok) return page.refusal;
  return (
    <>
      <LeadHeader project={page.project} title="Members" />
      <MembersView projectId={page.project.id} members={page.project.members} meId={page.user.id} />
    </>
  );
}
