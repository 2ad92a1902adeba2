"use client";

/**
 * Members (invite an existing account by email with a role, change a member's role — `POST …/members`
 * gives or changes a role) and the caller's personal API tokens (the shared panel of the account page).
 */
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { PROJECT_ROLES, type TProjectRole } from "@/contracts/projects";
import { ApiError, apiData, errorMessage } from "@/app/_components/api-client";
import { TokensPanel } from "@/app/_components/TokensPanel";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API } from "@/contracts/routes";

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
    mutationFn: (body: { email: string; role: TProjectRole }) => apiData<MemberRow>(API.members(projectId), { body }),
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
