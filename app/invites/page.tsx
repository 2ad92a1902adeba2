import { PAGES } from "@/contracts/routes";
import { getContext } from "@/server/context";
import { requirePageUser } from "../_lib/page-auth";
import { InvitesPanel } from "./InvitesPanel";

export const metadata = { title: "Invitations · Corrective" };

export default async function InvitesPage() {
  await requirePageUser(PAGES.invites);
  const policy = getContext().config.limits.signup;
  return (
    <>
      <h1>Invitations</h1>
      <p className="muted" data-testid="signup-policy">
        {policy === "invite" && "Sign-up on this instance needs an invitation. Each link below works once, until it expires."}
        {policy === "open" && "Sign-up on this instance is open to anyone; invitations are not needed (but still work)."}
        {policy === "closed" && "Sign-up on this instance is closed: invitations cannot be used until an administrator sets SIGNUP=invite."}
      </p>
      <InvitesPanel />
    </>
  );
}
