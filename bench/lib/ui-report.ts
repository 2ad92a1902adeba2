/**
 * bench:ui's report by scenario, so one scenario can be rerun alone (`--only image`) without losing the rows of
 * the others: every row carries its scenario, and ui.json keeps each scenario's notes, figures, date and load
 * (`extra.byScenario`). A merge takes this run's scenarios and keeps the saved ones it did not redo, each
 * still saying which run produced it.
 */
import type { Row } from "./results";

export const UI_SCENARIOS = ["keyboard", "ride", "image"] as const;
export type UiScenario = (typeof UI_SCENARIOS)[number];

/** What one scenario contributes to ui.json. */
export interface UiScenarioReport {
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
  /** When and under what load the run that measured it saved it. */
  readonly date: string;
  readonly loadAverage1m: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type UiReports = Partial<Record<UiScenario, UiScenarioReport>>;

/** `--only keyboard,image` → those scenarios (all when absent); an unknown name is refused with the known ones. */
export function parseOnly(only: string | undefined): UiScenario[] {
  if (!only) return [...UI_SCENARIOS];
  const names = only.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(UI_SCENARIOS as readonly string[]).includes(n)) throw new Error(`--only: unknown scenario "${n}" (known: ${UI_SCENARIOS.join(", ")})`);
  return UI_SCENARIOS.filter((s) => names.includes(s));
}

/** A row's scenario: its own field, or — rows saved before scenarios existed — read from its labeller. */
export function scenarioOfRow(row: Row): UiScenario {
  const s = row.scenario;
  if (typeof s === "string" && (UI_SCENARIOS as readonly string[]).includes(s)) return s as UiScenario;
  return String(row.labeller ?? "").startsWith("ride-along") ? "ride" : "keyboard";
}

interface SavedUi {
  date?: string;
  machine?: { loadAverage1m?: number };
  rows?: Row[];
  notes?: string[];
  extra?: { byScenario?: UiReports } & Record<string, unknown>;
}

/** The scenarios of a saved ui.json (null or unreadable → none). A file from before scenarios: its keyboard and ride rows, its notes with the keyboard ones. */
export function savedUiReports(saved: unknown): UiReports {
  if (!saved || typeof saved !== "object") return {};
  const s = saved as SavedUi;
  if (s.extra?.byScenario) return s.extra.byScenario;
  const out: Record<string, UiScenarioReport> = {};
  const base = { date: s.date ?? "unknown", loadAverage1m: s.machine?.loadAverage1m ?? Number.NaN };
  for (const row of s.rows ?? []) {
    const sc = scenarioOfRow(row);
    const prev = out[sc] ?? { ...base, rows: [], notes: sc === "keyboard" ? (s.notes ?? []) : [] };
    out[sc] = { ...prev, rows: [...prev.rows, { ...row, scenario: sc }] };
  }
  return out as UiReports;
}

/** This run's scenarios, and the saved ones it did not run; in UI_SCENARIOS order. */
export function mergeUiReports(fresh: UiReports, saved: UiReports): { byScenario: UiReports; rows: Row[]; notes: string[] } {
  const byScenario: Record<string, UiScenarioReport> = {};
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const sc of UI_SCENARIOS) {
    const own = fresh[sc];
    const kept = own ? null : saved[sc];
    const rep = own ?? kept;
    if (!rep) continue;
    byScenario[sc] = rep;
    rows.push(...rep.rows.map((r) => ({ ...r, scenario: sc })));
    if (kept) notes.push(`Scenario "${sc}": kept from the run of ${kept.date.slice(0, 16).replace("T", " ")} UTC (load ${kept.loadAverage1m}), not rerun this time.`);
    notes.push(...rep.notes);
  }
  return { byScenario, rows, notes };
}
