"use client";

/**
 * The lead's review queue: states whose labels disagreed or said "can't tell". For the state on screen it
 * shows every label, the policy's action and the rollout leading up to it (replayed with the labelling
 * view's replay hook); the lead accepts one of the labels or a typed value, or excludes the state. All by
 * keyboard: 1–9 pick a label, A accepts, X excludes (X or Enter again to confirm), J/K move, R replays.
 * Decisions go to the review API (audited; accepted actions join the next dataset version).
 */
import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import type { ProjectEvent } from "@/contracts/realtime";
import type { TReviewDecision, TReviewItem, TReviewResult } from "@/contracts/review";
import type { TSpace } from "@/contracts/spaces";
import { apiData, errorMessage } from "@/app/_components/api-client";
import { actionNames, formatAction, isTyping } from "@/app/_components/control/actions";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import { leadKeys, useReviewQueue } from "@/app/_components/lead/queries";
import { parseValue, valueText } from "@/app/_components/lead/review-value";
import { ProjectRealtimeProvider, useProjectEvents } from "@/app/_components/realtime/ProjectRealtime";
import { SPEEDS, useReplay } from "@/app/_components/workspace/useReplay";
import { useWindowKeys } from "@/app/_components/workspace/useWindowKeys";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead-rounds.css";
import { API, PAGES } from "@/contracts/routes";

export interface ReviewProject {
  id: string;
  name: string;
  envId: string | null;
  actionSpace: TSpace;
  dt: number;
}

const PAGE_SIZE = 20;

export function ReviewQueue({ project }: { project: ReviewProject }) {
  return (
    <ProjectRealtimeProvider projectId={project.id} view="review">
      <Queue project={project} />
    </ProjectRealtimeProvider>
  );
}

function Queue({ project }: { project: ReviewProject }) {
  const qc = useQueryClient();
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(project.envId, space), [project.envId, space]);
  const [offset, setOffset] = useState(0);
  const queue = useReviewQueue(project.id, offset, PAGE_SIZE);
  const [decided, setDecided] = useState<ReadonlySet<string>>(new Set());
  const items = useMemo(() => (queue.data?.items ?? []).filter((i) => !decided.has(i.id)), [queue.data, decided]);
  const [sel, setSel] = useState(0);
  const index = Math.min(sel, Math.max(0, items.length - 1));
  const item: TReviewItem | null = items[index] ?? null;
  const [value, setValue] = useState<{ key: string; text: string }>({ key: "", text: "" });
  const text = value.key === item?.id ? value.text : "";
  const [note, setNote] = useState("");
  const [confirmExclude, setConfirmExclude] = useState(false);
  const [last, setLast] = useState<{ result: TReviewResult; item: TReviewItem } | { error: string } | null>(null);

  const onEvent = useCallback(
    (e: ProjectEvent) => {
      if (e.type === "round:status") void qc.invalidateQueries({ queryKey: leadKeys.review(project.id) });
    },
    [qc, project.id],
  );
  useProjectEvents(onEvent);

  const decide = useMutation({
    mutationFn: ({ it, body }: { it: TReviewItem; body: TReviewDecision }) =>
      apiData<TReviewResult>(API.reviewItem(project.id, it.id), { method: "POST", body }),
    onSuccess: (result, { it }) => {
      setDecided((s) => new Set([...s, it.id]));
      setLast({ result, item: it });
      setConfirmExclude(false);
      setNote("");
      void qc.invalidateQueries({ queryKey: leadKeys.review(project.id) });
      void qc.invalidateQueries({ queryKey: leadKeys.dashboard(project.id) });
    },
    onError: (err, { it }) => {
      setLast({ error: `Round ${it.roundIndex}, t=${it.state.t}: ${errorMessage(err)}` });
      setConfirmExclude(false);
      // Decided elsewhere (409) or gone: refresh the list.
      void qc.invalidateQueries({ queryKey: leadKeys.review(project.id) });
    },
  });

  const parsed = item ? parseValue(space, text) : null;
  const pickLabel = useCallback(
    (i: number) => {
      const l = item?.labels[i];
      if (!item || !l || l.cantTell || l.action === null) return;
      setValue({ key: item.id, text: valueText(l.action) });
    },
    [item],
  );
  const accept = useCallback(() => {
    if (!item || decide.isPending || !parsed || !("action" in parsed)) return;
    decide.mutate({ it: item, body: { decision: "accept", action: parsed.action, ...(note.trim() ? { note: note.trim() } : {}) } });
  }, [item, decide, parsed, note]);
  const exclude = useCallback(() => {
    if (!item || decide.isPending) return;
    if (!confirmExclude) return setConfirmExclude(true);
    decide.mutate({ it: item, body: { decision: "exclude", ...(note.trim() ? { note: note.trim() } : {}) } });
  }, [item, decide, confirmExclude, note]);
  const move = useCallback(
    (d: number) => {
      setConfirmExclude(false);
      setSel(Math.max(0, Math.min(items.length - 1, index + d)));
    },
    [items.length, index],
  );

  const frames = item?.context.length ? item.context : item ? [item.state] : [];
  const replay = useReplay(item?.id ?? "none", frames.length, project.dt);
  const frame = frames[replay.index] ?? item?.state ?? null;
  const atState = replay.index >= replay.last;

  const k = { pickLabel, accept, exclude, move, replay, confirmExclude };
  useWindowKeys({
    down: (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "Escape") {
        if (k.confirmExclude) setConfirmExclude(false);
        (document.activeElement as HTMLElement | null)?.blur?.();
        return;
      }
      if (isTyping(e.target)) return;
      if (/^[1-9]$/.test(e.key)) k.pickLabel(Number(e.key) - 1);
      else if (e.key === "a") k.accept();
      else if (e.key === "x") k.exclude();
      else if (e.key === "Enter" && k.confirmExclude) k.exclude();
      else if (e.key === "j") k.move(1);
      else if (e.key === "k") k.move(-1);
      else if (e.key === "r") k.replay.toggle();
      else if (e.key === ",") k.replay.step(-1);
      else if (e.key === ".") k.replay.step(1);
      else return;
      e.preventDefault();
    },
  });

  const chosenAction = parsed && "action" in parsed ? parsed.action : undefined;
  const overlay = useMemo(
    () =>
      atState && item
        ? {
            caption: `t = ${item.state.t} · the state under review`,
            ...(item.state.policyAction != null ? { policyAction: item.state.policyAction } : {}),
            ...(chosenAction !== undefined ? { labelAction: chosenAction } : {}),
          }
        : { caption: `t = ${frame?.t ?? 0} · context, ${replay.last - replay.index} step(s) before the state` },
    [atState, item, frame?.t, replay.last, replay.index, JSON.stringify(chosenAction)],
  );

  const total = queue.data?.total ?? 0;
  // Decided items drop out of `total` once the page is refetched; until then they are subtracted here.
  const remaining = Math.max(0, total - (queue.data?.items ?? []).filter((i) => decided.has(i.id)).length);

  return (
    <div className="lead-page" data-testid="review-queue" data-total={remaining}>
      <div className="row workspace-head">
        <h1 style={{ margin: 0 }}>Review · {project.name}</h1>
        <span className="badge" data-testid="review-remaining">{remaining} to review</span>
        <span className="spacer" />
        <Link href={PAGES.rounds(project.id)}>Rounds</Link>
      </div>

      {last && "error" in last && <p className="alert error" role="alert" data-testid="review-error">{last.error}</p>}
      {last && "result" in last && (
        <p className="alert ok" role="status" data-testid="review-decided" data-item-id={last.result.id} data-status={last.result.status}>
          {last.result.status === "accepted"
            ? `Accepted ${last.result.actions.map((a) => formatAction(space, a, names)).join(" / ")} for round ${last.item.roundIndex}, t=${last.item.state.t}. It joins the next dataset version.`
            : `Excluded round ${last.item.roundIndex}, t=${last.item.state.t} from every dataset.`}
        </p>
      )}

      {queue.isPending ? (
        <div className="empty" data-testid="review-loading">
          <div className="skeleton" aria-hidden />
          <p>Loading the review queue…</p>
        </div>
      ) : queue.isError ? (
        <div className="panel empty" data-testid="review-load-error">
          <h2>Could not load the review queue</h2>
          <p className="alert error">{queue.error.message}</p>
          <button type="button" onClick={() => void queue.refetch()}>Try again</button>
        </div>
      ) : !item ? (
        <div className="panel empty" data-testid="review-empty">
          <h2>Nothing to review</h2>
          <p>States whose labels disagree, or that labellers could not tell, appear here after their round is aggregated.</p>
          {offset > 0 && <button type="button" className="secondary" onClick={() => setOffset(0)}>Back to the first page</button>}
        </div>
      ) : (
        <div className="review-grid">
          <section className="panel side-panel" aria-labelledby="queue-heading">
            <h2 id="queue-heading" className="panel-heading">
              Queue <span className="muted small" data-testid="review-position">{offset + index + 1} of {remaining}</span>
            </h2>
            <ul className="review-list" data-testid="review-list">
              {items.map((it, i) => (
                <li key={it.id}>
                  <button type="button" aria-current={i === index} onClick={() => { setConfirmExclude(false); setSel(i); }} data-testid="review-list-item" data-item-id={it.id}>
                    Round {it.roundIndex} · t={it.state.t} · {Math.round(it.agreement * 100)}%
                    <br />
                    <span className="muted small">{it.reason ?? "low agreement"} · {it.labelCount} label(s)</span>
                  </button>
                </li>
              ))}
            </ul>
            {total > PAGE_SIZE && (
              <div className="row small" style={{ marginTop: ".5rem" }}>
                <button type="button" className="secondary small-button" disabled={offset === 0} onClick={() => { setOffset(Math.max(0, offset - PAGE_SIZE)); setSel(0); }}>← Newer</button>
                <span className="muted">{offset + 1}–{Math.min(total, offset + PAGE_SIZE)} of {total}</span>
                <button type="button" className="secondary small-button" disabled={offset + PAGE_SIZE >= total} onClick={() => { setOffset(offset + PAGE_SIZE); setSel(0); }}>Older →</button>
              </div>
            )}
          </section>

          <section className="labeler" aria-label="The state under review" data-testid="review-item" data-item-id={item.id} data-state-id={item.stateId}>
            <div className="canvas-wrap">
              <EnvCanvas
                envId={project.envId}
                state={frame?.envState ?? item.state.envState}
                observation={frame?.observation ?? item.state.observation}
                overlay={overlay}
                label={`${project.envId ?? "External"} state at step ${frame?.t ?? item.state.t}${atState ? "" : " (context)"}`}
                testId="review-canvas"
                dataKey={item.id}
              />
            </div>
            <div className="replay row" role="group" aria-label="Temporal context">
              <button type="button" className="secondary small-button" onClick={replay.toggle} data-testid="replay-toggle">
                {replay.playing ? "❚❚ Pause" : "▶ Play"} <kbd>R</kbd>
              </button>
              <label className="inline grow">
                <span className="sr-only">Scrub through the context</span>
                <input type="range" min={0} max={replay.last} value={replay.index} onChange={(e) => replay.seek(Number(e.target.value))} aria-valuetext={`step ${frame?.t ?? 0}`} data-testid="replay-scrub" />
              </label>
              <label className="inline">
                <span className="small">Speed</span>
                <select value={replay.speed} onChange={(e) => replay.setSpeed(Number(e.target.value))} aria-label="Replay speed">
                  {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
                </select>
              </label>
              <span className="muted small">t={frame?.t ?? item.state.t} / state t={item.state.t} of {item.rolloutLength}</span>
            </div>
            <p className="small">
              Round {item.roundIndex} · agreement {Math.round(item.agreement * 100)}% · {item.reason ?? "low agreement"}
              {item.state.uncertainty !== null ? ` · policy uncertainty ${item.state.uncertainty.toFixed(3)}` : ""}
            </p>
            <p className="small" data-testid="review-policy-action">
              Policy: <strong style={{ color: "#b45309" }}>{formatAction(space, item.state.policyAction, names)}</strong>
            </p>
          </section>

          <section className="panel side-panel" aria-labelledby="decide-heading">
            <h2 id="decide-heading" className="panel-heading">Labels</h2>
            <ol className="label-options" data-testid="review-labels">
              {item.labels.map((l, i) => {
                const selected = !l.cantTell && l.action !== null && text === valueText(l.action);
                return (
                  <li key={l.id}>
                    <button type="button" className={selected ? "selected" : undefined} disabled={l.cantTell || l.action === null} onClick={() => pickLabel(i)} aria-keyshortcuts={i < 9 ? String(i + 1) : undefined} data-testid={`review-label-${i}`} data-cant-tell={l.cantTell}>
                      {i < 9 && <kbd>{i + 1}</kbd>} {l.userName}: {l.cantTell ? <em>can&apos;t tell</em> : <strong>{formatAction(space, l.action, names)}</strong>}
                    </button>
                  </li>
                );
              })}
            </ol>
            <label style={{ marginTop: ".8rem" }}>
              Value to accept {space.type === "box" ? `(${space.shape[0]} number(s), ${space.low.map((lo, i) => `${lo}…${space.high[i]}`).join(", ")})` : `(0–${space.n - 1}: ${names.join(", ")})`}
              <input
                value={text}
                onChange={(e) => setValue({ key: item.id, text: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    accept();
                  }
                }}
                aria-invalid={text !== "" && parsed !== null && "problem" in parsed}
                placeholder="pick a label (1–9) or type"
                data-testid="review-value"
              />
            </label>
            {text !== "" && parsed && "problem" in parsed && <p className="field-error" data-testid="review-value-error">{parsed.problem}</p>}
            <label>
              Note (optional, in the audit log)
              <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
            </label>
            <div className="row" style={{ marginTop: ".6rem" }}>
              <button type="button" onClick={accept} disabled={decide.isPending || !parsed || !("action" in parsed)} data-testid="review-accept">
                Accept <kbd>A</kbd>
              </button>
              <button type="button" className="secondary" onClick={exclude} disabled={decide.isPending} data-testid="review-exclude">
                Exclude <kbd>X</kbd>
              </button>
            </div>
            {confirmExclude && (
              <div className="confirm" role="alertdialog" aria-labelledby="exclude-title" data-testid="confirm-exclude">
                <strong id="exclude-title">Exclude this state from every dataset?</strong>
                <p className="small">Press <kbd>X</kbd> or <kbd>Enter</kbd> again to exclude, <kbd>Esc</kbd> to keep it.</p>
              </div>
            )}
            <dl className="shortcuts" data-testid="review-shortcuts" style={{ marginTop: ".8rem" }}>
              {[
                ["1–9", "pick that label's value"],
                ["A", "accept the value (Enter in the field)"],
                ["X", "exclude (X again to confirm)"],
                ["J / K", "next / previous state"],
                ["R , .", "replay · step −1 / +1"],
                ["Esc", "cancel · leave a text field"],
              ].map(([k, v]) => (
                <div key={k}>
                  <dt><kbd>{k}</kbd></dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </section>
        </div>
      )}
    </div>
  );
}
