"use client";

/**
 * The lead's rounds dashboard: the round actions (start / close / retry, each behind a confirmation), a live
 * training panel (progress bar and loss curve from `training:progress`), the learning curve with the expert
 * and behaviour-cloning reference lines (and, behind a toggle, the efficacy benchmark's reference curves for
 * the same env), and one table row per round. Data comes from the dashboard API;
 * realtime events refresh it (no polling).
 */
import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { TDashboard, TDashboardRound } from "@/contracts/dashboard";
import type { ProjectEvent } from "@/contracts/realtime";
import type { TRound } from "@/contracts/rounds";
import { API, PAGES } from "@/contracts/routes";
import { apiData, errorMessage } from "@/app/_components/api-client";
import { STATUS_TEXT } from "@/app/_components/labeling/queries";
import { LearningCurve, LossCurve, type LossPoint } from "@/app/_components/lead/charts";
import { leadKeys, useDashboard } from "@/app/_components/lead/queries";
import { ReferencePanel } from "@/app/_components/lead/ReferenceChart";
import { ProjectRealtimeProvider, useProjectEvents, useRealtime } from "@/app/_components/realtime/ProjectRealtime";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead-rounds.css";

type RoundAction = { kind: "start"; index: number; scripted: number | null } | { kind: "close"; index: number } | { kind: "retry"; index: number };

export function RoundsDashboard({ projectId, initial }: { projectId: string; initial: TDashboard }) {
  return (
    <ProjectRealtimeProvider projectId={projectId} view="dashboard">
      <Dashboard projectId={projectId} initial={initial} />
    </ProjectRealtimeProvider>
  );
}

const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)}%`);
const num = (v: number | null, d = 2) => (v === null || !Number.isFinite(v) ? "—" : v.toFixed(d));
function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function Dashboard({ projectId, initial }: { projectId: string; initial: TDashboard }) {
  const qc = useQueryClient();
  const dash = useDashboard(projectId, initial);
  const live = useRealtime((s) => s.status);
  const [lossByRound, setLossByRound] = useState<Record<number, LossPoint[]>>({});
  const [rlByRound, setRlByRound] = useState<Record<number, RlPoint>>({});
  const [showReference, setShowReference] = useState(false);

  const onEvent = useCallback(
    (e: ProjectEvent) => {
      if (e.type === "round:progress") {
        qc.setQueryData<TDashboard>(leadKeys.dashboard(projectId), (d) =>
          d && { ...d, rounds: d.rounds.map((r) => (r.index === e.roundIndex ? { ...r, ...e.progress } : r)) },
        );
      } else if (e.type === "training:progress") {
        setLossByRound((m) => {
          const pts = (m[e.roundIndex] ?? []).filter((p) => p.epoch !== e.epoch);
          return { ...m, [e.roundIndex]: [...pts, { epoch: e.epoch, loss: e.loss, valLoss: e.valLoss ?? null }].sort((a, b) => a.epoch - b.epoch) };
        });
      } else if (e.type === "finetune:progress") {
        setRlByRound((m) => ({ ...m, [e.roundIndex]: { iteration: e.iteration, iterations: e.iterations, meanReturn: e.meanReturn } }));
      } else if (e.type === "round:status" || e.type === "policy:published" || e.type === "rollout:added") {
        void qc.invalidateQueries({ queryKey: leadKeys.dashboard(projectId) });
      }
    },
    [qc, projectId],
  );
  useProjectEvents(onEvent);

  if (dash.isPending) {
    return (
      <div className="empty" data-testid="dashboard-loading">
        <div className="skeleton" aria-hidden />
        <p>Loading the rounds…</p>
      </div>
    );
  }
  if (dash.isError) {
    return (
      <div className="panel empty" data-testid="dashboard-error">
        <h2>Could not load the dashboard</h2>
        <p className="alert error">{dash.error.message}</p>
        <button type="button" onClick={() => void dash.refetch()}>Try again</button>
      </div>
    );
  }
  const d = dash.data;
  const rounds = d.rounds;
  const latest = rounds.at(-1) ?? null;
  const trainingRound = rounds.find((r) => r.status === "training") ?? null;
  const finetuningRound = rounds.find((r) => r.status === "finetuning") ?? null;

  return (
    <div className="lead-page" data-testid="rounds-dashboard">
      <div className="row workspace-head">
        <h1 style={{ margin: 0 }}>Rounds · {d.project.name}</h1>
        <span className="badge">{d.project.envId ?? "external"}</span>
        <span className="spacer" />
        <span className={`presence small`} title="Live updates" data-testid="live-status" data-status={live}>
          <span className={live === "online" ? "dot" : "dot off"} /> {live === "online" ? "live" : live}
        </span>
        <Link href={PAGES.review(projectId)} data-testid="link-review">
          Review queue ({d.reviewPending})
        </Link>
        <Link href={PAGES.project(projectId)}>Project</Link>
      </div>

      <RoundActions projectId={projectId} dashboard={d} latest={latest} />

      {trainingRound && <TrainingLive round={trainingRound} points={lossByRound[trainingRound.index] ?? []} />}
      {finetuningRound && <FinetuneLive round={finetuningRound} point={rlByRound[finetuningRound.index] ?? null} />}

      <section className="panel" aria-labelledby="curve-heading">
        <h2 id="curve-heading" className="panel-heading">Learning curve</h2>
        {d.curve.points.length === 0 ? (
          <p className="muted" data-testid="curve-empty">
            No evaluated round yet.{" "}
            {d.project.external
              ? "External projects are evaluated by their client: post evaluation episodes for a policy version (with a return range for the normalised score) and the round appears here."
              : "Each published round adds its evaluation score here."}
          </p>
        ) : (
          <>
            <LearningCurve curve={d.curve} />
            <p className="muted small">
              Evaluation return per published round, normalised so that 0 is a random policy and 1.0 is the scripted expert. The
              dashed lines mark the scripted expert and behaviour cloning alone (round 0).
            </p>
          </>
        )}
        {d.curve.interventionRates.length > 0 && <InterventionRates points={d.curve.interventionRates} />}
        <label className="row small" style={{ gap: 6, marginTop: 8 }}>
          <input type="checkbox" checked={showReference} onChange={(e) => setShowReference(e.target.checked)} data-testid="reference-toggle" />
          Compare with the reference curves of the efficacy benchmark
        </label>
        {showReference && <ReferencePanel envId={d.project.envId} points={d.curve.points} references={d.references} />}
      </section>

      <section className="panel" aria-labelledby="rounds-heading">
        <h2 id="rounds-heading" className="panel-heading">Timeline</h2>
        {rounds.length === 0 ? (
          <div className="empty" data-testid="rounds-empty">
            <p>No round yet. Start round 0 above: it collects demonstrations and trains the first policy by behaviour cloning.</p>
          </div>
        ) : (
          <div className="table-scroll">
            <table className="rounds-table" data-testid="rounds-table">
              <thead>
                <tr>
                  <th>Round</th><th>Status</th><th>β</th><th>States done</th><th>Labels</th><th>Agreement</th><th>Review</th>
                  <th>Dataset</th><th>Policy</th><th>Training</th><th>Backend</th><th>Return</th><th>Interventions</th>
                </tr>
              </thead>
              <tbody>
                {[...rounds].reverse().map((r) => (
                  <tr key={r.index} data-testid={`round-row-${r.index}`} data-status={r.status}>
                    <td>{r.index}{r.index === 0 ? " (BC)" : ""}</td>
                    <td>
                      <span className={`status status-${r.status}`}>{STATUS_TEXT[r.status] ?? r.status}</span>
                      {r.status === "failed" && r.error && <div className="field-error small" data-testid={`round-error-${r.index}`}>{r.error}</div>}
                    </td>
                    <td>{num(r.beta)}</td>
                    <td>{r.tasksTotal > 0 ? `${r.tasksDone} / ${r.tasksTotal}` : r.index === 0 ? `${r.rollouts} demos` : "—"}</td>
                    <td data-testid="cell-labels">{r.labels}</td>
                    <td data-testid="cell-agreement">{pct(r.agreement)}</td>
                    <td>{r.inReview > 0 ? <Link href={PAGES.review(projectId)}>{r.inReview}</Link> : "0"}</td>
                    <td data-testid="cell-dataset">{r.datasetVersion === null ? "—" : `v${r.datasetVersion} · ${r.datasetSize ?? "?"} samples`}</td>
                    <td>{r.policyVersion === null ? "—" : `v${r.policyVersion}${d.publishedPolicyVersion === r.policyVersion ? " (live)" : ""}`}</td>
                    <td>{duration(r.trainMs)}</td>
                    <td>{r.backend ?? "—"}</td>
                    <td data-testid="cell-return">{num(r.normalizedReturn)}</td>
                    <td data-testid="cell-interventions">{r.interventionRate === null ? "—" : `${pct(r.interventionRate)} (${r.interventions})`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {d.lastLossCurve && d.lastLossCurve.points.length > 0 && (
        <section className="panel" aria-labelledby="loss-heading">
          <h2 id="loss-heading" className="panel-heading">Loss of the latest policy (round {d.lastLossCurve.round})</h2>
          <LossCurve points={d.lastLossCurve.points} testId="last-loss-curve" />
        </section>
      )}
    </div>
  );
}

function TrainingLive({ round, points }: { round: TDashboardRound; points: LossPoint[] }) {
  const t = round.training;
  const epochs = t?.epochs ?? 0;
  const epoch = Math.max(t?.epoch ?? 0, points.at(-1)?.epoch ?? 0);
  const loss = points.at(-1)?.loss ?? t?.loss ?? null;
  const shown = points.length > 0 ? points : t ? [{ epoch: t.epoch, loss: t.loss, valLoss: t.valLoss ?? null }] : [];
  return (
    <section className="panel" aria-labelledby="training-heading" data-testid="training-live" data-epoch={epoch} data-epochs={epochs}>
      <h2 id="training-heading" className="panel-heading">Training round {round.index}</h2>
      <div className="progress" role="progressbar" aria-label={`Training round ${round.index}`} aria-valuemin={0} aria-valuemax={epochs} aria-valuenow={epoch}>
        <div className="progress-fill" style={{ width: `${epochs > 0 ? Math.round((100 * epoch) / epochs) : 0}%` }} />
      </div>
      <p className="small">
        {epochs > 0 ? `Epoch ${epoch} / ${epochs}` : "Starting…"}
        {loss !== null && Number.isFinite(loss) ? ` · loss ${loss.toFixed(4)}` : ""}
      </p>
      {shown.length > 0 && <LossCurve points={shown} epochs={epochs} testId="live-loss-curve" />}
    </section>
  );
}

interface RlPoint {
  iteration: number;
  iterations: number;
  meanReturn: number;
}

/** REINFORCE fine-tuning after the imitation policy was published, live from `finetune:progress`. */
function FinetuneLive({ round, point }: { round: TDashboardRound; point: RlPoint | null }) {
  const done = point?.iteration ?? 0;
  const total = point?.iterations ?? 0;
  return (
    <section className="panel" aria-labelledby="finetune-heading" data-testid="finetune-live" data-iteration={done} data-iterations={total}>
      <h2 id="finetune-heading" className="panel-heading">RL fine-tuning round {round.index}</h2>
      <div className="progress" role="progressbar" aria-label={`RL fine-tuning round ${round.index}`} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <div className="progress-fill" style={{ width: `${total > 0 ? Math.round((100 * done) / total) : 0}%` }} />
      </div>
      <p className="small">
        {point ? `Iteration ${done} / ${total} · mean episode return ${point.meanReturn.toFixed(1)}` : "Starting…"} — the imitation policy is live
        meanwhile; the fine-tuned version is compared with it on the evaluation seeds when this ends.
      </p>
    </section>
  );
}

function actionText(a: RoundAction, latest: TDashboardRound | null, d: TDashboard): { title: string; body: string; verb: string } {
  if (a.kind === "start" && a.index === 0) {
    return {
      title: "Start round 0?",
      body:
        a.scripted !== null
          ? `The scripted expert drives ${a.scripted} demonstration episode(s); the first policy is trained on them by behaviour cloning.`
          : "Round 0 collects demonstrations (teleoperated in the browser or uploaded through the API). Close it when enough have arrived.",
      verb: "Start round 0",
    };
  }
  if (a.kind === "start") {
    return {
      title: `Start round ${a.index}?`,
      body: `The live policy${d.publishedPolicyVersion !== null ? ` (v${d.publishedPolicyVersion})` : ""} is rolled out and the states it visits are sent to the labellers.`,
      verb: `Start round ${a.index}`,
    };
  }
  if (a.kind === "close") {
    const open = latest ? latest.tasksTotal - latest.tasksDone : 0;
    return {
      title: `Close round ${a.index}?`,
      body:
        latest?.status === "labeling"
          ? `Labelling stops now${open > 0 ? `; ${open} state(s) without all their labels are left out` : ""}. The labels are aggregated and a new policy is trained.`
          : "Collection stops now and the round moves on with what has arrived.",
      verb: `Close round ${a.index}`,
    };
  }
  return { title: `Retry round ${a.index}?`, body: `The round resumes from where it failed${latest?.failedFrom ? ` (${latest.failedFrom})` : ""}.`, verb: `Retry round ${a.index}` };
}

function roundNotice(m: { verb: string; index: number }, latest: TDashboardRound | null): string {
  const now = latest && latest.index === m.index ? `; it is ${STATUS_TEXT[latest.status] ?? latest.status}` : "";
  return `${m.verb} round ${m.index}${now}.`;
}

function RoundActions({ projectId, dashboard: d, latest }: { projectId: string; dashboard: TDashboard; latest: TDashboardRound | null }) {
  const qc = useQueryClient();
  const [pending, setPending] = useState<RoundAction | null>(null);
  const [scripted, setScripted] = useState<number | null>(d.project.hasExpert ? 2 : null);
  // What the lead just did; the round's state is read live from `latest`, so the notice follows the round
  // ("Started round 1; it is labelling") instead of freezing the status it had when the request returned.
  const [message, setMessage] = useState<{ kind: "ok"; verb: string; index: number } | { kind: "error"; text: string } | null>(null);
  const mutation = useMutation({
    mutationFn: (a: RoundAction) => {
      if (a.kind === "start") return apiData<TRound>(API.rounds(projectId), { method: "POST", body: a.scripted !== null ? { scriptedDemonstrations: a.scripted } : {} });
      if (a.kind === "close") return apiData<TRound>(API.closeRound(projectId, a.index), { method: "POST", body: {} });
      return apiData<TRound>(API.retryRound(projectId, a.index), { method: "POST", body: {} });
    },
    onSuccess: (r, a) => {
      setPending(null);
      setMessage({ kind: "ok", verb: a.kind === "start" ? "Started" : a.kind === "close" ? "Closed" : "Retried", index: r.index });
      void qc.invalidateQueries({ queryKey: leadKeys.dashboard(projectId) });
    },
    onError: (err) => setMessage({ kind: "error", text: errorMessage(err) }),
  });

  const available: RoundAction[] = [];
  if (!latest) available.push({ kind: "start", index: 0, scripted });
  else if (latest.status === "published") available.push({ kind: "start", index: latest.index + 1, scripted: null });
  else if (latest.status === "labeling" || (latest.status === "collecting" && (latest.index === 0 || d.project.external))) available.push({ kind: "close", index: latest.index });
  else if (latest.status === "failed") available.push({ kind: "retry", index: latest.index });

  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (pending) confirmRef.current?.focus();
  }, [pending]);

  const info = pending ? actionText(pending, latest, d) : null;
  return (
    <section className="panel round-actions" aria-labelledby="actions-heading" data-testid="round-actions">
      <div className="row">
        <h2 id="actions-heading" className="panel-heading" style={{ margin: 0 }}>
          {latest ? `Round ${latest.index} is ${STATUS_TEXT[latest.status] ?? latest.status}` : "No round yet"}
        </h2>
        <span className="spacer" />
        {!pending &&
          available.map((a) => (
            <button key={a.kind} type="button" className={a.kind === "close" ? "secondary" : undefined} onClick={() => { setMessage(null); setPending(a); }} data-testid={`action-${a.kind}`}>
              {actionText(a, latest, d).verb}
            </button>
          ))}
        {!pending && available.length === 0 && latest && <span className="muted small">Working on it — this page updates on its own.</span>}
      </div>
      {!latest && !pending && d.project.hasExpert && (
        <label className="inline small" style={{ marginTop: ".5rem" }}>
          <input type="checkbox" checked={scripted !== null} onChange={(e) => setScripted(e.target.checked ? 2 : null)} />
          Generate round 0&apos;s demonstrations with the scripted expert
          {scripted !== null && (
            <input type="number" min={1} max={1000} value={scripted} onChange={(e) => setScripted(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))} aria-label="Scripted demonstration episodes" style={{ width: "5rem" }} />
          )}
          {scripted !== null && "episodes"}
        </label>
      )}
      {latest?.status === "labeling" && latest.tasksTotal > 0 && (
        <div className="small" data-testid="labeling-progress" data-done={latest.tasksDone} data-total={latest.tasksTotal}>
          <div className="progress" role="progressbar" aria-label={`Round ${latest.index} labelling`} aria-valuemin={0} aria-valuemax={latest.tasksTotal} aria-valuenow={latest.tasksDone}>
            <div className="progress-fill" style={{ width: `${Math.round((100 * latest.tasksDone) / latest.tasksTotal)}%` }} />
          </div>
          <p className="muted">{latest.tasksDone} / {latest.tasksTotal} states labelled · {latest.labels} labels</p>
        </div>
      )}
      {pending && info && (
        <div
          className="confirm"
          role="alertdialog"
          aria-labelledby="confirm-title"
          aria-describedby="confirm-body"
          data-testid="confirm"
          onKeyDown={(e) => {
            if (e.key === "Escape") setPending(null);
          }}
        >
          <strong id="confirm-title">{info.title}</strong>
          <p id="confirm-body" className="small">{info.body}</p>
          <div className="row">
            <button ref={confirmRef} type="button" onClick={() => mutation.mutate(pending)} disabled={mutation.isPending} data-testid="confirm-yes">
              {mutation.isPending ? "Working…" : info.verb}
            </button>
            <button type="button" className="secondary" onClick={() => setPending(null)} disabled={mutation.isPending} data-testid="confirm-no">
              Cancel <kbd>Esc</kbd>
            </button>
          </div>
        </div>
      )}
      {message && (
        <p className={`alert ${message.kind}`} role="status" data-testid="action-message">
          {message.kind === "error" ? message.text : roundNotice(message, latest)}
        </p>
      )}
    </section>
  );
}

/** The intervention rate per round (share of the robot's steps where a person took over), beside the learning curve. */
function InterventionRates({ points }: { points: { round: number; rate: number }[] }) {
  return (
    <div data-testid="intervention-rates">
      <h3 className="small">Intervention rate per round</h3>
      <p className="muted small">
        The share of the robot&apos;s steps where a person took over (HG-DAgger). It should fall as the policy improves.
      </p>
      <ul className="inline-list">
        {points.map((p) => (
          <li key={p.round} data-testid="intervention-rate" data-round={p.round} data-value={p.rate}>
            round {p.round}: <strong>{pct(p.rate)}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
