import { Suspense } from "react";
import { SignInForm } from "./SignInForm";

export const metadata = { title: "Sign in · Corrective" };

export default function SignInPage() {
  return (
    <div className="panel auth-card">
      <h1>Sign in</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <SignInForm />
      </Suspense>
    </div>
  );
}
