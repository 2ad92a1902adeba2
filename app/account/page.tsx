import { PAGES } from "@/contracts/routes";
import { requirePageUser } from "../_lib/page-auth";
import { PasswordForm } from "./PasswordForm";
import { SessionsPanel } from "./SessionsPanel";
import { TokensPanel } from "../_components/TokensPanel";

export const metadata = { title: "Account · Corrective" };

export default async function AccountPage() {
  const user = await requirePageUser(PAGES.account);
  return (
    <div className="stack" style={{ display: "grid", gap: "1rem", maxWidth: 820 }}>
      <h1 style={{ margin: 0 }}>Account</h1>
      <p className="muted" data-testid="account-who">
        {user.name} · {user.email}
        {user.isAdmin ? " · site admin" : ""}
      </p>
      <SessionsPanel />
      <PasswordForm />
      <TokensPanel />
    </div>
  );
}
