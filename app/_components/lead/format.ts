/** Number, share, duration and date formatting for the lead's tables (browser-safe). */
export const dash = "—";

export const fmtNum = (v: number | null | undefined, digits = 1): string => (v == null || !Number.isFinite(v) ? dash : v.toFixed(digits));
export const fmtInt = (v: number | null | undefined): string => (v == null ? dash : v.toLocaleString("en"));
export const fmtPct = (v: number | null | undefined): string => (v == null || !Number.isFinite(v) ? dash : `${(v * 100).toFixed(0)}%`);

export function fmtMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return dash;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const fmtDate = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : dash);

export function fmtAction(a: number | number[] | null | undefined): string {
  if (a == null) return dash;
  return Array.isArray(a) ? `[${a.map((x) => x.toFixed(2)).join(", ")}]` : String(a);
}

export const shortHash = (h: string): string => `${h.slice(0, 12)}…`;
