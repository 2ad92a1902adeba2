"use client";

import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { TInvite, TInviteCreated } from "@/contracts/invites";
import { API, PAGES } from "@/contracts/routes";
import { api, ApiError } from "../_components/api-client";

/** Create an invitation (its link is shown once), list the caller's (an admin: everyone's), revoke unused ones. */
export function InvitesPanel() {
  const [invites, setInvites] = useState<TInvite[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<TInviteCreated | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setInvites((await api<TInvite[]>(API.invites)).data ?? []);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "Could not load the invitations");
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const res = await api<TInviteCreated>(API.invites, { body: { note: String(form.get("note") ?? ""), expiresInDays: Number(form.get("expiresInDays")) } });
      setCreated(res.data);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "Could not create the invitation");
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    try {
      await api(API.invite(id), { method: "DELETE" });
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "Could not revoke the invitation");
    }
  }

  const link = created ? `${window.location.origin}${PAGES.signUpWithInvite(created.token)}` : "";
  return (
    <div className="stack">
      {error && <div className="alert error" role="alert" data-testid="invites-error">{error}</div>}
      <form className="panel row" onSubmit={onCreate}>
        <label>
          For (a note for your list)
          <input name="note" maxLength={200} placeholder="e.g. Ada, labelling team" />
        </label>
        <label>
          Expires in
          <select name="expiresInDays" defaultValue="7">
            {[1, 3, 7, 14, 30].map((d) => <option key={d} value={d}>{d} day{d > 1 ? "s" : ""}</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy} data-testid="create-invite">{busy ? "Creating…" : "Create invitation"}</button>
      </form>
      {created && (
        <div className="alert ok" data-testid="invite-created">
          <p>Send this link; it is shown only now and works once, until {new Date(created.expiresAt).toLocaleString()}:</p>
          <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" style={{ width: "100%" }} />
        </div>
      )}
      {invites === null ? (
        <p className="muted">Loading…</p>
      ) : invites.length === 0 ? (
        <p className="muted empty" data-testid="invites-empty">No invitations yet.</p>
      ) : (
        <table data-testid="invite-list">
          <thead>
            <tr><th>For</th><th>Status</th><th>Created</th><th>Expires</th><th>Used by</th><th /></tr>
          </thead>
          <tbody>
            {invites.map((i) => (
              <tr key={i.id}>
                <td>{i.note || "—"}</td>
                <td><span className="badge">{i.status}</span></td>
                <td>{new Date(i.createdAt).toLocaleString()}{i.createdBy ? ` by ${i.createdBy.name}` : ""}</td>
                <td>{new Date(i.expiresAt).toLocaleString()}</td>
                <td>{i.usedBy?.name ?? (i.status === "used" ? "(no new account)" : "—")}</td>
                <td>{i.status === "active" && <button type="button" className="secondary" onClick={() => void revoke(i.id)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
