"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { sameSitePath } from "@/contracts/redirects";
import { PAGES } from "@/contracts/routes";
import { SIGN_UP_ACCEPTED_MESSAGE } from "@/contracts/auth";
import { useHydrated } from "../_components/use-hydrated";

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await signIn("credentials", {
      redirect: false,
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    });
    setBusy(false);
    if (!res || res.error) {
      setError(!res || res.error === "CredentialsSignin" ? "Wrong email or password." : res.error);
      return;
    }
    // Only a path on this site is followed after sign-in (contracts/redirects.ts).
    router.replace(sameSitePath(params.get("callbackUrl"), PAGES.projects));
    router.refresh();
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {params.get("registered") && <div className="alert ok" data-testid="signup-accepted">{SIGN_UP_ACCEPTED_MESSAGE}</div>}
      {params.get("passwordChanged") && <div className="alert ok">Password changed. Sign in with the new one.</div>}
      {error && <div className="alert error" role="alert" data-testid="form-error">{error}</div>}
      <label>Email<input name="email" type="email" autoComplete="email" required autoFocus /></label>
      <label>Password<input name="password" type="password" autoComplete="current-password" required /></label>
      <button type="submit" disabled={busy || !hydrated}>{busy ? "Signing in…" : "Sign in"}</button>
      <p className="muted">No account? <Link href={PAGES.signUp}>Sign up</Link></p>
    </form>
  );
}
