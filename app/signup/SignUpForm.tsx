"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { API, PAGES } from "@/contracts/routes";

type FieldErrors = Record<string, string[] | undefined>;

export function SignUpForm() {
  const router = useRouter();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const body = { name: form.get("name"), email: form.get("email"), password: form.get("password") };
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

  const field = (name: string, label: string, type: string, autoComplete: string) => (
    <label>
      {label}
      <input name={name} type={type} autoComplete={autoComplete} aria-invalid={fieldErrors[name] ? true : undefined} required />
      {fieldErrors[name]?.map((m) => <span key={m} className="field-error" data-testid={`error-${name}`}>{m}</span>)}
    </label>
  );

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {error && <div className="alert error" role="alert" data-testid="form-error">{error}</div>}
      {field("name", "Name", "text", "name")}
      {field("email", "Email", "email", "email")}
      {field("password", "Password (8+ characters)", "password", "new-password")}
      <button type="submit" disabled={busy}>{busy ? "Creating account…" : "Create account"}</button>
      <p className="muted">Have an account? <Link href={PAGES.signIn}>Sign in</Link></p>
    </form>
  );
}
