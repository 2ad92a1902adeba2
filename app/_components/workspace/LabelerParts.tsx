"use client";

/**
 * The view parts of the single-state labeller: what shows while there is no state to label, the context
 * replay's controls, and the sliders of a continuous action.
 */
import type { TSpace } from "@/contracts/spaces";
import { STATUS_TEXT, type roundsSummary } from "@/app/_components/labeling/queries";
import type { QueuePhase } from "./useTaskQueue";
import { SPEEDS, type Replay } from "./useReplay";
import { SpeedSelect } from "./SpeedSelect";

type Box = Extract<TSpace, { type: "box" }>;

/** No state on screen: loading, offline, an error, all done, or no round labelling. */
export function QueueEmpty({ phase, error, rounds, onRetry }: { phase: QueuePhase; error: string | null; rounds: ReturnType<typeof roundsSummary>; onRetry: () => void }) {
  const { latest, labeling } = rounds;
  return (
    <div className="panel labeler-empty" aria-live="polite">
      {phase === "loading" && (
        <div className="empty" data-testid="loading">
          <div className="skeleton" aria-hidden />
          <p>Loading the next state…</p>
        </div>
      )}
      {phase === "offline" && (
        <div className="empty" data-testid="empty-offline">
          <h2>You are offline</h2>
          <p>Your labels are saved in this browser. New states load as soon as the connection returns.</p>
        </div>
      )}
      {phase === "error" && (
        <div className="empty" data-testid="empty-error">
          <h2>Could not load a state</h2>
          <p className="alert error">{error}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {phase === "done" && (
        <div className="empty" data-testid="all-done">
          <h2>All done — thanks!</h2>
          <p>Every state of round {labeling?.index} you can label has its labels or is being labelled by someone else.</p>
          <p className="muted">If a state comes back (a lease expires), it appears here on its own.</p>
        </div>
      )}
      {phase === "no-round" && (
        <div className="empty" data-testid="empty-no-round">
          <h2>No round is labelling right now</h2>
          {latest ? (
            <p>
              Round {latest.index} is {STATUS_TEXT[latest.status] ?? latest.status}.{" "}
              {latest.status === "published" ? "A lead starts the next round; its states appear here on their own." : "Its states appear here as soon as it starts labelling."}
            </p>
          ) : (
            <p>No round has started yet. A lead starts round 0 (demonstrations); labelling begins in round 1.</p>
          )}
        </div>
      )}
    </div>
  );
}

/** Play/pause, step, scrub and speed of the temporal context, with where it stands. */
export function ReplayControls({ replay, frameT, stateT, rolloutLength }: { replay: Replay; frameT: number | null; stateT: number; rolloutLength: number | null }) {
  return (
    <div className="replay row" role="group" aria-label="Temporal context">
      <button type="button" className="secondary small-button" onClick={replay.toggle} aria-label={replay.playing ? "Pause the context replay (R)" : "Play the context up to the state (R)"} data-testid="replay-toggle">
        {replay.playing ? "❚❚ Pause" : "▶ Play"}
      </button>
      <button type="button" className="secondary small-button" onClick={() => replay.step(-1)} aria-label="Step back one (comma)">
        −1
      </button>
      <button type="button" className="secondary small-button" onClick={() => replay.step(1)} aria-label="Step forward one (period)">
        +1
      </button>
      <label className="inline grow">
        <span className="sr-only">Scrub through the context</span>
        <input type="range" min={0} max={replay.last} value={replay.index} onChange={(e) => replay.seek(Number(e.target.value))} aria-valuetext={`step ${frameT ?? 0}`} data-testid="replay-scrub" />
      </label>
      <SpeedSelect speeds={SPEEDS} value={replay.speed} onChange={replay.setSpeed} label="Replay speed" />
      <span className="muted small" data-testid="replay-position">
        t={frameT ?? stateT} / state t={stateT} of {rolloutLength}
      </span>
    </div>
  );
}

export function BoxInput({ space, names, value, onChange, onSubmit }: { space: Box; names: string[]; value: number[]; onChange: (v: number[]) => void; onSubmit: (t0: number) => void }) {
  return (
    <div className="box-input" role="group" aria-label="Label: set the expert's action">
      {names.map((n, i) => {
        const lo = space.low[i] ?? -1;
        const hi = space.high[i] ?? 1;
        return (
          <label key={i} className="slider">
            <span>
              {n}: <strong data-testid={`value-${i}`}>{(value[i] ?? 0).toFixed(2)}</strong>
            </span>
            <input
              type="range"
              min={lo}
              max={hi}
              step={(hi - lo) / 200}
              value={value[i] ?? 0}
              onChange={(e) => {
                const v = [...value];
                v[i] = Number(e.target.value);
                onChange(v);
              }}
              data-testid={`slider-${i}`}
              aria-valuetext={`${n} ${(value[i] ?? 0).toFixed(2)}`}
            />
            <span className="muted small">
              {lo} … {hi}
            </span>
          </label>
        );
      })}
      <button type="button" onClick={(e) => onSubmit(e.timeStamp)} data-testid="submit-label">
        Submit label <kbd>Enter</kbd>
      </button>
      <span className="muted small">← → nudge 5% (Shift 1%) · 0 centres · drag on the picture · gamepad stick</span>
    </div>
  );
}
