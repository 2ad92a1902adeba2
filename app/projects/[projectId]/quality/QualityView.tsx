"use client";

/**
 * Labeller quality for the lead: gold accuracy, agreement with consensus, labels per hour and time per
 * label; the automatic warnings (gold accuracy below the threshold) and the threshold itself; the gold pool
 * (mark a state as gold with its answer, remove it, add the pool to the open round).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { TGoldApplied, TQuality, TQualitySettings } from "@/contracts/quality";
import { actionProblem } from "@/contracts/spaces";
import { apiData, errorMessage } from "@/app/_components/api-client";
import { fmtAction, fmtMs, fmtNum, fmtPct } from "@/app/_components/lead/format";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import type { LeadProject } from "@/app/_components/lead/types";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API } from "@/contracts/routes";

export function QualityView({ project }: { project: LeadProject }) {
  const p = project.id;
  const quality = useQuery({ queryKey: leadKeys.quality(p), queryFn: () => apiData<TQuality>(API.quality(p)) });
  if (quality.isPending) return <Loading what="labeller quality" />;
  if (quality.isError) return <LoadError what="labeller quality" error={quality.error} retry={() => void quality.refetch()} />;
  const q = quality.data;
  const threshold = q.settings.goldAccuracyThreshold;
  return (
    <div className="stack-gap">
      {q.warnings.length > 0 && (
        <div className="alert error" role="alert" data-testid="quality-warnings">
          <strong>Gold accuracy below {fmtPct(threshold)}:</strong>
          <ul style={{ margin: ".3rem 0 0" }}>
            {q.warnings.map((w) => (
              <li key={`${w.userId}-${w.roundIndex}`} data-testid="quality-warning" data-user={w.userId}>
                {w.name} — {fmtPct(w.goldAccuracy)} on {w.goldTotal} gold states in round {w.roundIndex} (threshold {fmtPct(w.threshold)})
              </li>
            ))}
          </ul>
        </div>
      )}
      <section className="panel" aria-labelledby="labelers-h">
        <h2 id="labelers-h" style={{ marginTop: 0 }}>Labellers</h2>
        {q.labelers.length === 0 ? (
          <div className="empty" data-testid="quality-empty">No labels yet. Figures appear once a labelling round has been aggregated.</div>
        ) : (
          <div className="table-scroll">
            <table data-testid="quality-table">
              <thead>
                <tr>
                  <th>Labeller</th><th>Labels</th><th>Can&apos;t tell</th><th>Gold accuracy</th><th>Agreement with consensus</th><th>Labels / hour</th><th>Time per label</th><th>Gold by round</th>
                </tr>
              </thead>
              <tbody>
                {q.labelers.map((l) => {
                  const low = l.goldAccuracy !== null && l.goldTotal >= q.settings.minGoldLabels && l.goldAccuracy < threshold;
                  return (
                    <tr key={l.userId} data-testid="quality-row" data-user={l.userId} data-labels={l.labels} data-low={low ? "1" : "0"} className={low ? "warn-row" : undefined}>
                      <td>{l.name}<div className="small muted">{l.email}</div></td>
                      <td>{l.labels}</td>
                      <td>{l.cantTell}</td>
                      <td>{fmtPct(l.goldAccuracy)} <span className="small muted">({l.goldCorrect}/{l.goldTotal})</span>{low && <span className="badge" style={{ marginLeft: ".3rem" }}>low</span>}</td>
                      <td>{fmtPct(l.agreement)} <span className="small muted">({l.consensusAgree}/{l.consensusTotal})</span></td>
                      <td>{fmtNum(l.labelsPerHour, 0)}</td>
                      <td>{fmtMs(l.meanMsPerLabel)}</td>
                      <td className="small">{l.rounds.length ? l.rounds.map((r) => `r${r.roundIndex}: ${fmtPct(r.goldAccuracy)}`).join(" · ") : "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <p className="small muted">
          Gold accuracy and agreement count aggregated rounds; labels per hour counts active time (gaps over 5 minutes are left out); time per label is what the labelling client measured.
        </p>
      </section>
      <SettingsForm projectId={p} settings={q.settings} />
      <GoldPanel project={project} quality={q} />
    </div>
  );
}

function SettingsForm({ projectId, settings }: { projectId: string; settings: TQualitySettings }) {
  const qc = useQueryClient();
  const [pct, setPct] = useState(String(Math.round(settings.goldAccuracyThreshold * 100)));
  const [min, setMin] = useState(String(settings.minGoldLabels));
  const save = useMutation({
    mutationFn: (body: Partial<TQualitySettings>) => apiData<TQualitySettings>(API.qualitySettings(projectId), { method: "PATCH", body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: leadKeys.quality(projectId) }),
  });
  const pctN = Number(pct);
  const minN = Number(min);
  const invalid = !(pct !== "" && pctN >= 0 && pctN <= 100) || !(Number.isInteger(minN) && minN >= 1);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!invalid) save.mutate({ goldAccuracyThreshold: pctN / 100, minGoldLabels: minN });
  }
  return (
    <section className="panel" aria-labelledby="qs-h">
      <h2 id="qs-h" style={{ marginTop: 0 }}>Warning threshold</h2>
      <form className="row" onSubmit={onSubmit} data-testid="quality-settings">
        <label className="inline">
          Warn below gold accuracy (%)
          <input type="number" min={0} max={100} step={1} value={pct} onChange={(e) => { setPct(e.target.value); save.reset(); }} style={{ width: "6rem" }} data-testid="threshold-input" aria-invalid={invalid} />
        </label>
        <label className="inline">
          after at least
          <input type="number" min={1} step={1} value={min} onChange={(e) => { setMin(e.target.value); save.reset(); }} style={{ width: "5rem" }} data-testid="min-gold-input" />
          gold answers in a round
        </label>
        <button type="submit" disabled={invalid || save.isPending} data-testid="threshold-save">{save.isPending ? "Saving…" : "Save"}</button>
        {save.isSuccess && <span className="small" role="status" data-testid="threshold-saved">Saved.</span>}
      </form>
      {invalid && <div className="field-error">The threshold is a percentage (0–100) and the minimum a whole number ≥ 1.</div>}
      {save.isError && <div className="alert error" role="alert">{errorMessage(save.error)}</div>}
      <p className="small muted">Warnings compare each aggregated round with the current threshold; each one is written once to the audit log (<code>quality.gold_accuracy_low</code>).</p>
    </section>
  );
}

function parseAction(text: string): unknown {
  const t = text.trim();
  if (t === "") return undefined;
  try {
    return JSON.parse(t.startsWith("[") || !t.includes(",") ? t : `[${t}]`);
  } catch {
    return undefined;
  }
}

function GoldPanel({ project, quality }: { project: LeadProject; quality: TQuality }) {
  const p = project.id;
  const qc = useQueryClient();
  const refresh = () => void qc.invalidateQueries({ queryKey: leadKeys.quality(p) });
  const [stateId, setStateId] = useState("");
  const [actionText, setActionText] = useState("");
  const [removing, setRemoving] = useState<string | null>(null);
  const action = parseAction(actionText);
  const problem = actionText.trim() === "" ? null : action === undefined ? "not a number or a list of numbers" : actionProblem(project.actionSpace, action);
  const mark = useMutation({ mutationFn: () => apiData(API.gold(p), { body: { stateId: stateId.trim(), action } }), onSuccess: () => { setStateId(""); setActionText(""); refresh(); } });
  const unmark = useMutation({ mutationFn: (id: string) => apiData(API.goldState(p, id), { method: "DELETE" }), onSuccess: () => { setRemoving(null); refresh(); } });
  const apply = useMutation({ mutationFn: () => apiData<TGoldApplied>(API.goldApply(p), { body: {} }), onSuccess: refresh });
  const hint = project.actionSpace.type === "discrete" ? `an integer 0…${project.actionSpace.n - 1}` : `${project.actionSpace.shape[0]} numbers, e.g. ${project.actionSpace.low.map(() => "0").join(", ")}`;

  return (
    <section className="panel" aria-labelledby="gold-h">
      <h2 id="gold-h" style={{ marginTop: 0 }}>Gold states</h2>
      <p className="small muted">
        Gold states have a known answer and are mixed into labelling rounds to measure accuracy. Mark a state here by its id (from the review queue or a dataset sample — the datasets page has a button), or pick a sample on the datasets page.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (stateId.trim() && action !== undefined && !problem) mark.mutate();
        }}
        data-testid="gold-form"
      >
        <label className="inline">
          State id
          <input value={stateId} onChange={(e) => { setStateId(e.target.value); mark.reset(); }} placeholder="uuid" style={{ width: "20rem" }} data-testid="gold-state" />
        </label>
        <label className="inline">
          Answer
          <input value={actionText} onChange={(e) => { setActionText(e.target.value); mark.reset(); }} placeholder={hint} aria-invalid={Boolean(problem)} data-testid="gold-action" />
        </label>
        <button type="submit" disabled={!stateId.trim() || action === undefined || Boolean(problem) || mark.isPending} data-testid="gold-add">{mark.isPending ? "Marking…" : "Mark as gold"}</button>
      </form>
      {problem && <div className="field-error">Answer: {problem}</div>}
      {mark.isError && <div className="alert error" role="alert">{errorMessage(mark.error)}</div>}

      {quality.gold.length === 0 ? (
        <div className="empty" data-testid="gold-empty">No gold states yet.</div>
      ) : (
        <table className="compact" data-testid="gold-table" style={{ marginTop: ".75rem" }}>
          <thead>
            <tr><th>State</th><th>Answer</th><th>Round · step</th><th>In open round</th><th>Answered (correct)</th><th /></tr>
          </thead>
          <tbody>
            {quality.gold.map((g) => (
              <tr key={g.stateId} data-testid="gold-row" data-state={g.stateId}>
                <td><code title={g.stateId}>{g.stateId.slice(0, 8)}…</code></td>
                <td><code>{fmtAction(g.action)}</code></td>
                <td>r{g.roundIndex} · t {g.t}</td>
                <td>{g.inOpenRound ? "yes" : "no"}</td>
                <td>{g.answered} ({g.correct})</td>
                <td className="nowrap">
                  {removing === g.stateId ? (
                    <>
                      <button type="button" onClick={() => unmark.mutate(g.stateId)} disabled={unmark.isPending} data-testid="gold-remove-confirm">{unmark.isPending ? "Removing…" : "Remove"}</button>{" "}
                      <button type="button" className="secondary" onClick={() => setRemoving(null)}>Keep</button>
                    </>
                  ) : (
                    <button type="button" className="secondary" onClick={() => setRemoving(g.stateId)} data-testid="gold-remove">Remove…</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {unmark.isError && <div className="alert error" role="alert">{errorMessage(unmark.error)}</div>}
      {quality.openRoundIndex !== null && quality.gold.length > 0 && (
        <div className="row" style={{ marginTop: ".75rem" }}>
          <button type="button" className="secondary" onClick={() => apply.mutate()} disabled={apply.isPending} data-testid="gold-apply">
            {apply.isPending ? "Adding…" : `Add the gold pool to round ${quality.openRoundIndex}`}
          </button>
          {apply.isSuccess && apply.data && <span className="small" role="status">{apply.data.added} gold task(s) added to round {apply.data.roundIndex}.</span>}
          {apply.isError && <span className="field-error">{errorMessage(apply.error)}</span>}
        </div>
      )}
    </section>
  );
}
