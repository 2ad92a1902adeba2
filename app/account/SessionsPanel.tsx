"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { API, PAGES } from "@/contracts/routes";
import { api, errorMessage } from "../_components/api-client";

/** "Sign out everywhere": ends every session of the account (other browsers within seconds), then this one. */
export function SessionsPanel() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOutEverywhere() {
    if (!window.confirm("Sign out of every browser and device, this one included? API tokens keep working.")) return;
    setBusy(true);
    setError(null);
    try {
      await api(API.mySessions, { method: "DELETE" });
      await signOut({ callbackUrl: PAGES.signIn });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading" style={{ marginTop: 0 }}>Sessions</h2>
      <p className="muted">
        A browser stays signed in for 12 hours after its last visit, and at most 7 days after you typed your password.
        Lost a device, or signed in somewhere you should not have?
      </p>
      {error && <div className="alert error" role="alert">{error}</div>}
      <button type="button" className="danger" onClick={() => void signOutEverywhere()} disabled={busy} data-testid="sign-out-everywhere">
        {busy ? "Signing out…" : "Sign out everywhere"}
      </button>
    </section>
  );
}
