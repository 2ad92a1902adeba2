import Link from "next/link";
import { PAGES } from "@/contracts/routes";
import { getContext } from "@/server/context";
import { SignUpForm } from "./SignUpForm";

export const metadata = { title: "Sign up · Corrective" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ invite?: string | string[] }> }) {
  const policy = getContext().config.limits.signup;
  const invite = (await searchParams).invite;
  return (
    <div className="panel auth-card">
      <h1>Create your account</h1>
      {policy === "closed" ? (
        <div className="stack" data-testid="signup-closed">
          <p>Sign-up is closed on this instance. Ask an administrator for an account.</p>
          <p className="muted">Have an account? <Link href={PAGES.signIn}>Sign in</Link></p>
        </div>
      ) : (
        <SignUpForm inviteRequired={policy === "invite"} initialInvite={typeof invite === "string" ? invite : ""} />
      )}
    </div>
  );
}
