"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { API, PAGES } from "@/contracts/routes";
import { useHydrated } from "../_components/use-hydrated";

type FieldErrors = Record<string, string[] | undefined>;

/**
 * The server answers a new email and a taken one alike (202), so the form then tries to sign in: that works
 * for a new account; otherwise the sign-in page says "if this email was new, your account was created".
 */
export function SignUpForm({ inviteRequired, initialInvite }: { inviteRequired: boolean; initialInvite: string }) {
  const router = useRouter();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const invite = String(form.get("invite") ?? "").trim();
    const body = { name: form.get("name"), email: form.get("email"), password: form.get("password"), ...(invite ? { invite } : {}) };
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      const res = await fetch(API.signUp, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) {
        const data = (await res.json().catch(() => null)) as { error?: { message?: string; fieldErrors?: FieldErrors } } | null;
        setFieldErrors(data?.error?.fieldErrors ?? {});
        if (!data?.error?.fieldErrors) setError(data?.error?.message ?? `Sign-up failed (${res.status})`);
        return;
      }
      const signedIn = await signIn("credentials", { redirect: false, email: String(body.email), password: String(body.password) });
      if (signedIn?.ok) {
        router.replace(PAGES.projects);
        router.refresh();
      } else {
        router.replace(`${PAGES.signIn}?registered=1`);
      }
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string, label: string, type: string, autoComplete: string, defaultValue?: string) => (
    <label>
      {label}
      <input name={name} type={type} autoComplete={autoComplete} aria-invalid={fieldErrors[name] ? true : undefined} required defaultValue={defaultValue} />
      {fieldErrors[name]?.map((m) => <span key={m} className="field-error" data-testid={`error-${name}`}>{m}</span>)}
    </label>
  );

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {error && <div className="alert error" role="alert" data-testid="form-error">{error}</div>}
      {field("name", "Name", "text", "name")}
      {field("email", "Email", "email", "email")}
      {field("password", "Password (8+ characters)", "password", "new-password")}
      {inviteRequired && field("invite", "Invitation code (from the link you were sent)", "text", "off", initialInvite)}
      <button type="submit" disabled={busy || !hydrated}>{busy ? "Creating account…" : "Create account"}</button>
      <p className="muted">Have an account? <Link href={PAGES.signIn}>Sign in</Link></p>
    </form>
  );
}
