"use client";

/**
 * The project's audit log, newest first: filtered by action (exact, or every action of a kind such as
 * `round.*`), actor and dates as `GET …/audit` allows, paged with its keyset cursor (`nextBefore`).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import type { TAuditPage } from "@/contracts/audit";
import { apiData } from "@/app/_components/api-client";
import { fmtDate } from "@/app/_components/lead/format";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API, withQuery } from "@/contracts/routes";

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { action: "", actor: "", from: "", to: "" };
const LIMIT = 25;

export function AuditLog({ projectId }: { projectId: string }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  /** Cursors of the pages before the one shown (`null` = the newest page). */
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const before = cursors.at(-1) ?? null;
  const key = JSON.stringify(filters);
  const page = useQuery({
    queryKey: leadKeys.audit(projectId, key, before),
    queryFn: () => apiData<TAuditPage>(withQuery(API.audit(projectId), { ...filters, before, limit: LIMIT })),
    placeholderData: keepPreviousData,
  });
  // Filter choices from the whole log (the API lists every action and actor that appears).
  const [choices, setChoices] = useState<{ actions: string[]; actors: { id: string; name: string }[] }>({ actions: [], actors: [] });
  if (page.data && (page.data.actions.length !== choices.actions.length || page.data.actors.length !== choices.actors.length)) {
    setChoices({ actions: page.data.actions, actors: page.data.actors });
  }
  const kinds = useMemo(() => [...new Set(choices.actions.map((a) => a.split(".")[0]!).filter(Boolean))].sort(), [choices.actions]);
  const invalidDates = Boolean(draft.from && draft.to && draft.from > draft.to);

  function apply(e: FormEvent) {
    e.preventDefault();
    if (invalidDates) return;
    setFilters(draft);
    setCursors([null]);
  }
  function clear() {
    setDraft(NO_FILTERS);
    setFilters(NO_FILTERS);
    setCursors([null]);
  }
  const filtered = Object.values(filters).some(Boolean);

  return (
    <section className="panel">
      <form className="row" onSubmit={apply} data-testid="audit-filters" aria-label="Filter the audit log">
        <label className="inline">
          Action
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} data-testid="audit-action">
            <option value="">any</option>
            {kinds.map((k) => <option key={`${k}*`} value={`${k}.`}>{k}.* (all)</option>)}
            {choices.actions.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label className="inline">
          Actor
          <select value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} data-testid="audit-actor">
            <option value="">anyone</option>
            {choices.actors.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <label className="inline">
          From
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="audit-from" />
        </label>
        <label className="inline">
          To
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} data-testid="audit-to" aria-invalid={invalidDates} />
        </label>
        <button type="submit" disabled={invalidDates} data-testid="audit-apply">Filter</button>
        {filtered && <button type="button" className="secondary" onClick={clear}>Clear</button>}
      </form>
      {invalidDates && <div className="field-error">“From” must not be after “To”.</div>}

      {page.isPending && <Loading what="the audit log" />}
      {page.isError && <LoadError what="the audit log" error={page.error} retry={() => void page.refetch()} />}
      {page.data && page.data.entries.length === 0 && (
        <div className="empty" data-testid="audit-empty">{filtered ? "No entries match these filters." : "Nothing has been recorded yet."}</div>
      )}
      {page.data && page.data.entries.length > 0 && (
        <div className="table-scroll" style={{ marginTop: ".75rem" }}>
          <table className="compact" data-testid="audit-table" style={{ opacity: page.isPlaceholderData ? 0.6 : 1 }}>
            <thead>
              <tr><th>When</th><th>Action</th><th>Actor</th><th>Target</th><th>Details</th></tr>
            </thead>
            <tbody>
              {page.data.entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td className="nowrap small" title={e.createdAt}>{fmtDate(e.createdAt)}</td>
                  <td><code>{e.action}</code></td>
                  <td>{e.actorName ?? <span className="muted">system</span>}</td>
                  <td className="small">{e.targetType ? `${e.targetType} ${e.targetId ? `${e.targetId.slice(0, 8)}${e.targetId.length > 8 ? "…" : ""}` : ""}` : "—"}</td>
                  <td className="small"><code>{Object.keys(e.data).length ? JSON.stringify(e.data).slice(0, 160) : ""}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row" style={{ marginTop: ".75rem" }}>
        <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="audit-newer">
          ← Newer
        </button>
        <span className="small muted" data-testid="audit-page">Page {cursors.length}</span>
        <button type="button" className="secondary" disabled={!page.data?.nextBefore} onClick={() => page.data?.nextBefore && setCursors((c) => [...c, page.data.nextBefore])} data-testid="audit-older">
          Older →
        </button>
      </div>
    </section>
  );
}
