"use client";

/**
 * The caller's personal API tokens: create one with a lifetime (shown once, with its expiry), see when each
 * expires (an expired one answers 401), revoke. On the account page and the project members page.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS } from "@/contracts/tokens";
import { apiData, errorMessage } from "@/app/_components/api-client";
import { fmtDate } from "@/app/_components/lead/format";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API } from "@/contracts/routes";

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
}

const LIFETIMES = [7, 30, TOKEN_DEFAULT_DAYS, 180, TOKEN_MAX_DAYS];

export function TokensPanel() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: leadKeys.tokens, queryFn: () => apiData<TokenRow[]>(API.tokens) });
  const [name, setName] = useState("");
  const [days, setDays] = useState(TOKEN_DEFAULT_DAYS);
  const [created, setCreated] = useState<{ name: string; token: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (n: string) => apiData<TokenRow & { token: string }>(API.tokens, { body: { name: n, expiresInDays: days } }),
    onSuccess: (t) => {
      setCreated({ name: t.name, token: t.token, expiresAt: t.expiresAt });
      setCopied(false);
      setName("");
      void qc.invalidateQueries({ queryKey: leadKeys.tokens });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiData(API.token(id), { method: "DELETE" }),
    onSuccess: () => {
      setRevoking(null);
      void qc.invalidateQueries({ queryKey: leadKeys.tokens });
    },
  });
  const now = Date.now();
  return (
    <section className="panel" aria-labelledby="tokens-h">
      <h2 id="tokens-h" style={{ marginTop: 0 }}>Your API tokens</h2>
      <p className="small muted">
        Personal tokens act as you on every project (<code>Authorization: Bearer crv_…</code>) — for scripts, the CLI and robots. Only a hash is
        stored. Every token expires (at most {TOKEN_MAX_DAYS} days); an expired one answers 401.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate(name.trim());
        }}
        data-testid="token-form"
      >
        <label className="inline">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="robot arm 1" data-testid="token-name" />
        </label>
        <label className="inline">
          Expires in
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="token-lifetime">
            {LIFETIMES.map((d) => <option key={d} value={d}>{d} days</option>)}
          </select>
        </label>
        <button type="submit" disabled={!name.trim() || create.isPending} data-testid="token-create">{create.isPending ? "Creating…" : "Create token"}</button>
      </form>
      {create.isError && <div className="alert error" role="alert">{errorMessage(create.error)}</div>}
      {created && (
        <div className="alert ok" role="status" data-testid="token-created" style={{ marginTop: ".75rem" }}>
          <strong>Token “{created.name}” (expires {fmtDate(created.expiresAt)}) — copy it now, it is not shown again:</strong>
          <div className="token-once" data-testid="token-value">{created.token}</div>
          <div className="row" style={{ marginTop: ".4rem" }}>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(created.token).then(() => setCopied(true), () => setCopied(false));
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="secondary" onClick={() => setCreated(null)}>Done</button>
          </div>
        </div>
      )}
      {tokens.isPending && <Loading what="your tokens" />}
      {tokens.isError && <LoadError what="your tokens" error={tokens.error} retry={() => void tokens.refetch()} />}
      {tokens.data && tokens.data.length === 0 && <div className="empty" data-testid="tokens-empty">No active tokens.</div>}
      {tokens.data && tokens.data.length > 0 && (
        <table className="compact" data-testid="tokens-table" style={{ marginTop: ".75rem" }}>
          <thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th><th>Expires</th><th /></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name}>
                <td>{t.name}</td>
                <td><code>{t.prefix}…</code></td>
                <td className="small">{fmtDate(t.createdAt)}</td>
                <td className="small">{t.lastUsedAt ? fmtDate(t.lastUsedAt) : "never"}</td>
                <td className="small" data-testid="token-expires" data-expired={Date.parse(t.expiresAt) <= now ? "true" : undefined}>
                  {Date.parse(t.expiresAt) <= now ? <strong>expired {fmtDate(t.expiresAt)}</strong> : fmtDate(t.expiresAt)}
                </td>
                <td className="nowrap">
                  {revoking === t.id ? (
                    <>
                      <button type="button" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending} data-testid="token-revoke-confirm">{revoke.isPending ? "Revoking…" : "Revoke now"}</button>{" "}
                      <button type="button" className="secondary" onClick={() => setRevoking(null)}>Keep</button>
                    </>
                  ) : (
                    <button type="button" className="secondary" onClick={() => setRevoking(t.id)} data-testid="token-revoke">Revoke…</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.isError && <div className="alert error" role="alert">{errorMessage(revoke.error)}</div>}
    </section>
  );
}
