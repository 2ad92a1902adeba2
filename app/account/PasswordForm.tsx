"use client";

import { signOut } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { API, PAGES } from "@/contracts/routes";
import { ApiError, api, errorMessage } from "../_components/api-client";
import { useHydrated } from "../_components/use-hydrated";

type FieldErrors = Record<string, string[] | undefined>;

/** Changing the password ends every session of the account, this one included: sign in again with the new one. */
export function PasswordForm() {
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    if (form.get("newPassword") !== form.get("confirmPassword")) {
      setFieldErrors({ confirmPassword: ["The two new passwords differ"] });
      return;
    }
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await api(API.myPassword, { body: { currentPassword: form.get("currentPassword"), newPassword: form.get("newPassword") } });
      await signOut({ callbackUrl: `${PAGES.signIn}?passwordChanged=1` });
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors) setFieldErrors(err.fieldErrors);
      else setError(errorMessage(err));
      setBusy(false);
    }
  }

  const field = (name: string, label: string, autoComplete: string) => (
    <label>
      {label}
      <input name={name} type="password" autoComplete={autoComplete} aria-invalid={fieldErrors[name] ? true : undefined} required />
      {fieldErrors[name]?.map((m) => <span key={m} className="field-error" data-testid={`error-${name}`}>{m}</span>)}
    </label>
  );

  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading" style={{ marginTop: 0 }}>Password</h2>
      <form className="stack" onSubmit={onSubmit} noValidate data-testid="password-form">
        {error && <div className="alert error" role="alert">{error}</div>}
        {field("currentPassword", "Current password", "current-password")}
        {field("newPassword", "New password (8+ characters)", "new-password")}
        {field("confirmPassword", "New password again", "new-password")}
        <p className="muted">Changing it signs you out everywhere, here too.</p>
        <button type="submit" disabled={busy || !hydrated}>{busy ? "Changing…" : "Change password"}</button>
      </form>
    </section>
  );
}
