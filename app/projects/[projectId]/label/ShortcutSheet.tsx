"use client";

import type { TSpace } from "@/contracts/spaces";

/** The keyboard shortcuts, always visible beside the labelling view (collapsible with H). */
export function ShortcutSheet({ space, mode, open, onToggle }: { space: TSpace; mode: "single" | "ride"; open: boolean; onToggle: () => void }) {
  const rows: [string, string][] =
    mode === "ride"
      ? [
          ["Space / Enter", "ride · pause"],
          [space.type === "discrete" ? `1–${space.n}, ← →` : "hold ← →", space.type === "discrete" ? "action held" : "steer"],
          ...(space.type === "box" ? ([["0", "centre"]] as [string, string][]) : []),
          ["[ ]", "slower · faster"],
          ["P", "policy's action"],
          ["Esc", "pause"],
        ]
      : [
          ...(space.type === "discrete"
            ? ([
                [`1–${Math.min(space.n, 9)}`, "label with that action"],
                ["← →", "choose an action"],
                ["Enter / Space", "submit the chosen action"],
              ] as [string, string][])
            : ([
                ["← →", "nudge 5% (Shift: 1%)"],
                ...(space.shape[0] > 1 ? ([["↑ ↓", "nudge the 2nd dimension"]] as [string, string][]) : []),
                ["0", "centre"],
                ["Enter / Space", "submit"],
              ] as [string, string][])),
          ["?", "can't tell"],
          ["U", "undo the last label"],
          ["P", "show / hide the policy's action"],
          ["R", "replay the context"],
          [", .", "step −1 / +1"],
          ["[ ]", "replay slower / faster"],
          ["Home End", "context start / the state"],
          ["C", "comment"],
          ["H", "this sheet"],
        ];
  return (
    <section className="panel side-panel" aria-labelledby="shortcuts-heading" data-testid="shortcuts">
      <div className="row">
        <h2 id="shortcuts-heading">Shortcuts</h2>
        <span className="spacer" />
        <button type="button" className="linkish small" onClick={onToggle} aria-expanded={open}>
          {open ? "Hide" : "Show"} <kbd>H</kbd>
        </button>
      </div>
      {open && (
        <dl className="shortcuts">
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{v}</dd>
            </div>
          ))}
          <div>
            <dt>
              <kbd>Gamepad</kbd>
            </dt>
            <dd>stick · A submit · B can&apos;t tell · X undo</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
