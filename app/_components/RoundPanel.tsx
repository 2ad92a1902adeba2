"use client";

/**
 * The project's round as everyone sees it, live: status, a progress bar fed by `round:progress` events,
 * training progress (`training:progress`) and the "policy vN published" notice (`policy:published`), from which
 * the new policy's evaluation episodes can be replayed in place.
 */
import { roundsSummary, STATUS_TEXT, useRounds } from "./labeling/queries";
import { PolicyReplay } from "./policy/PolicyReplay";
import { useRealtime } from "./realtime/ProjectRealtime";

/** `envId`: a built-in env, so the published policy can be replayed here (external projects have none). */
export function RoundPanel({ projectId, envId }: { projectId: string; envId?: string | null }) {
  const rounds = useRounds(projectId);
  const training = useRealtime((s) => s.training);
  const published = useRealtime((s) => s.published);
  const { latest, labeling } = roundsSummary(rounds.data);
  const shown = labeling ?? latest;
  const p = shown?.progress;
  const pct = p && p.tasksTotal > 0 ? Math.round((100 * p.tasksDone) / p.tasksTotal) : 0;
  const trainingRound = training && (!shown || training.roundIndex >= shown.index) ? training : null;

  return (
    <section className="panel side-panel" aria-labelledby="round-heading" data-testid="round-panel">
      <h2 id="round-heading">Round</h2>
      {rounds.isLoading ? (
        <p className="muted">Loading…</p>
      ) : rounds.isError ? (
        <p className="alert error">Could not load the rounds: {rounds.error.message}</p>
      ) : !shown ? (
        <p className="muted" data-testid="round-status">No round has started yet.</p>
      ) : (
        <>
          <p data-testid="round-status" data-status={shown.status}>
            Round {shown.index} is <strong>{STATUS_TEXT[shown.status] ?? shown.status}</strong>
            {shown.status === "failed" && shown.error ? `: ${shown.error}` : ""}
          </p>
          {p && p.tasksTotal > 0 && (
            <div data-testid="round-progress" data-done={p.tasksDone} data-total={p.tasksTotal} data-labels={p.labels}>
              <div className="progress" role="progressbar" aria-label={`Round ${shown.index} progress`} aria-valuemin={0} aria-valuemax={p.tasksTotal} aria-valuenow={p.tasksDone}>
                <div className="progress-fill" style={{ width: `${pct}%` }} />
              </div>
              <p className="muted small">
                {p.tasksDone} / {p.tasksTotal} states done · {p.labels} labels
              </p>
            </div>
          )}
        </>
      )}
      {trainingRound && (
        <p className="small" data-testid="training-progress">
          Training round {trainingRound.roundIndex}: epoch {trainingRound.epoch}/{trainingRound.epochs} · loss {trainingRound.loss.toFixed(4)}
        </p>
      )}
      {published && (
        <p className="alert ok small" data-testid="policy-notice" role="status">
          Policy v{published.version} published (round {published.roundIndex}).{" "}
          {envId && <PolicyReplay key={published.version} projectId={projectId} envId={envId} version={published.version} />}
        </p>
      )}
    </section>
  );
}
