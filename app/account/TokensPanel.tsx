"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { API } from "@/contracts/routes";
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS } from "@/contracts/tokens";
import { apiData, api, errorMessage } from "../_components/api-client";

interface TokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

const LIFETIMES = [7, 30, TOKEN_DEFAULT_DAYS, 180, TOKEN_MAX_DAYS];
const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

/** API tokens: create one (shown once, with its expiry), see when each expires, revoke. */
export function TokensPanel() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => apiData<TokenSummary[]>(API.tokens) });
  const [created, setCreated] = useState<{ token: string; expiresAt: string } | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; expiresInDays: number }) => apiData<TokenSummary & { token: string }>(API.tokens, { body }),
    onSuccess: (t) => {
      setCreated({ token: t.token, expiresAt: t.expiresAt });
      void qc.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(API.token(id), { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["tokens"] }),
  });

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    create.mutate({ name: String(form.get("name") ?? ""), expiresInDays: Number(form.get("expiresInDays")) });
    e.currentTarget.reset();
  }

  const now = Date.now();
  return (
    <section className="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading" style={{ marginTop: 0 }}>API tokens</h2>
      <p className="muted">For scripts, robots and the CLI (<code>Authorization: Bearer crv_…</code>). Every token expires; an expired one answers 401.</p>
      <form className="row" onSubmit={onSubmit} data-testid="token-form" style={{ gap: ".5rem", flexWrap: "wrap" }}>
        <label>Name<input name="name" required maxLength={100} placeholder="robot arm" /></label>
        <label>
          Expires in
          <select name="expiresInDays" defaultValue={TOKEN_DEFAULT_DAYS} data-testid="token-lifetime">
            {LIFETIMES.map((d) => <option key={d} value={d}>{d} days</option>)}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create token"}</button>
      </form>
      {create.isError && <div className="alert error" role="alert">{errorMessage(create.error)}</div>}
      {created && (
        <div className="alert ok" data-testid="token-created">
          Copy it now — it is not shown again (expires {day(created.expiresAt)}): <code>{created.token}</code>
        </div>
      )}
      {tokens.isPending ? (
        <p className="muted">Loading tokens…</p>
      ) : tokens.isError ? (
        <div className="alert error" role="alert">{errorMessage(tokens.error)}</div>
      ) : tokens.data.length === 0 ? (
        <p className="muted" data-testid="tokens-empty">No API tokens.</p>
      ) : (
        <table data-testid="token-list">
          <thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th><th>Expires</th><th /></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} data-testid="token-row">
                <td>{t.name}</td>
                <td><code>{t.prefix}…</code></td>
                <td>{day(t.createdAt)}</td>
                <td>{t.lastUsedAt ? day(t.lastUsedAt) : "never"}</td>
                <td data-testid="token-expires">{Date.parse(t.expiresAt) <= now ? <strong>expired {day(t.expiresAt)}</strong> : day(t.expiresAt)}</td>
                <td><button type="button" className="secondary" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending}>Revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
