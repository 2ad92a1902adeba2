"use client";

/**
 * Members (invite an existing account by email with a role, change a member's role — `POST …/members`
 * gives or changes a role) and the caller's personal API tokens (create: shown once; revoke).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { LEAD_API } from "@/contracts/lead-routes";
import { PROJECT_ROLES, type TProjectRole } from "@/contracts/projects";
import { ApiError, apiData, errorMessage } from "@/app/_components/api-client";
import { fmtDate } from "@/app/_components/lead/format";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";

export interface MemberRow {
  userId: string;
  name: string;
  email: string;
  role: TProjectRole;
}

const ROLE_TEXT: Record<TProjectRole, string> = { lead: "Lead — everything", labeler: "Labeller — label, demonstrate, take over", viewer: "Viewer — read only" };

export function MembersView({ projectId, members, meId }: { projectId: string; members: MemberRow[]; meId: string }) {
  return (
    <div className="stack-gap">
      <MembersPanel projectId={projectId} members={members} meId={meId} />
      <TokensPanel />
    </div>
  );
}

function MembersPanel({ projectId, members, meId }: { projectId: string; members: MemberRow[]; meId: string }) {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TProjectRole>("labeler");
  const [notice, setNotice] = useState<string | null>(null);
  const setMember = useMutation({
    mutationFn: (body: { email: string; role: TProjectRole }) => apiData<MemberRow>(LEAD_API.members(projectId), { body }),
    onSuccess: (m, body) => {
      const existed = members.some((x) => x.userId === m.userId);
      setNotice(existed ? `${m.name} is now ${body.role}.` : `${m.name} joined as ${body.role}.`);
      if (body.email === email) setEmail("");
      router.refresh();
    },
  });
  const leads = members.filter((m) => m.role === "lead").length;

  function onInvite(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    if (email.trim()) setMember.mutate({ email: email.trim().toLowerCase(), role });
  }
  const fieldError = setMember.error instanceof ApiError ? setMember.error.fieldErrors?.email?.[0] : undefined;

  return (
    <section className="panel" aria-labelledby="members-h">
      <h2 id="members-h" style={{ marginTop: 0 }}>Members</h2>
      <form className="row" onSubmit={onInvite} data-testid="invite-form">
        <label className="inline">
          Email
          <input type="email" required value={email} onChange={(e) => { setEmail(e.target.value); setMember.reset(); }} placeholder="name@example.com" aria-invalid={Boolean(fieldError)} data-testid="invite-email" />
        </label>
        <label className="inline">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as TProjectRole)} data-testid="invite-role">
            {PROJECT_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" disabled={setMember.isPending || !email.trim()} data-testid="invite-submit">{setMember.isPending ? "Adding…" : "Add member"}</button>
      </form>
      <p className="small muted">The person needs an account (they sign up first). Adding someone who is already a member changes their role.</p>
      {setMember.isError && <div className="alert error" role="alert" data-testid="invite-error">{fieldError ?? errorMessage(setMember.error)}</div>}
      {notice && <div className="alert ok" role="status" data-testid="members-notice">{notice}</div>}
      {members.length === 0 ? (
        <div className="empty">No members.</div>
      ) : (
        <table data-testid="members-table" style={{ marginTop: ".75rem" }}>
          <thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead>
          <tbody>
            {members.map((m) => {
              const lastLead = m.role === "lead" && leads <= 1;
              return (
                <tr key={m.userId} data-testid="member-row" data-email={m.email} data-role={m.role}>
                  <td>{m.name}{m.userId === meId ? <span className="muted"> (you)</span> : null}</td>
                  <td>{m.email}</td>
                  <td>
                    <select
                      value={m.role}
                      aria-label={`Role of ${m.name}`}
                      disabled={setMember.isPending || lastLead}
                      title={lastLead ? "The project's only lead keeps the lead role" : ROLE_TEXT[m.role]}
                      onChange={(e) => {
                        setNotice(null);
                        setMember.mutate({ email: m.email, role: e.target.value as TProjectRole });
                      }}
                      data-testid="member-role"
                    >
                      {PROJECT_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="small muted">Removing a member is not offered by the API yet; change them to viewer to take away labelling.</p>
    </section>
  );
}

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

function TokensPanel() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: leadKeys.tokens, queryFn: () => apiData<TokenRow[]>(LEAD_API.tokens) });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (n: string) => apiData<TokenRow & { token: string }>(LEAD_API.tokens, { body: { name: n } }),
    onSuccess: (t) => {
      setCreated({ name: t.name, token: t.token });
      setCopied(false);
      setName("");
      void qc.invalidateQueries({ queryKey: leadKeys.tokens });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiData(LEAD_API.token(id), { method: "DELETE" }),
    onSuccess: () => {
      setRevoking(null);
      void qc.invalidateQueries({ queryKey: leadKeys.tokens });
    },
  });
  return (
    <section className="panel" aria-labelledby="tokens-h">
      <h2 id="tokens-h" style={{ marginTop: 0 }}>Your API tokens</h2>
      <p className="small muted">Personal tokens act as you on every project (<code>Authorization: Bearer crv_…</code>) — for scripts, the CLI and robots. Only a hash is stored.</p>
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
        <button type="submit" disabled={!name.trim() || create.isPending} data-testid="token-create">{create.isPending ? "Creating…" : "Create token"}</button>
      </form>
      {create.isError && <div className="alert error" role="alert">{errorMessage(create.error)}</div>}
      {created && (
        <div className="alert ok" role="status" data-testid="token-created" style={{ marginTop: ".75rem" }}>
          <strong>Token “{created.name}” — copy it now, it is not shown again:</strong>
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
          <thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th><th /></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name}>
                <td>{t.name}</td>
                <td><code>{t.prefix}…</code></td>
                <td className="small">{fmtDate(t.createdAt)}</td>
                <td className="small">{t.lastUsedAt ? fmtDate(t.lastUsedAt) : "never"}</td>
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
