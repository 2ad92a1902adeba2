"use client";

/**
 * The project's learning curve against the efficacy benchmark's reference curves for the same env
 * (`npm run bench:efficacy`, server/quality/reference-curves.ts): normalised return against labelled samples,
 * each reference arm as a line with its 95 % CI band over seeds, the project's published rounds as points.
 * Drawn by hand like charts.tsx; every mark carries a testid and its values in `data-*` attributes.
 */
import type { TDashboard, TReferenceCurves } from "@/contracts/dashboard";

const W = 800;
const H = 280;
const PAD = { left: 48, right: 16, top: 16, bottom: 36 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22", "#e377c2", "#393b79", "#637939"];

const scale = (d0: number, d1: number, r0: number, r1: number) => (v: number) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0);
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

/** Points of the project's curve that can be placed on a labels axis (their round has a dataset version). */
export function comparablePoints(points: TDashboard["curve"]["points"]): { round: number; samples: number; normalizedReturn: number }[] {
  return points.flatMap((p) => (p.samples === null ? [] : [{ round: p.round, samples: p.samples, normalizedReturn: p.normalizedReturn }]));
}

export function ReferencePanel({ envId, points, references }: { envId: string | null; points: TDashboard["curve"]["points"]; references: TReferenceCurves | null }) {
  if (!references) {
    return (
      <p className="muted" data-testid="reference-empty">
        No reference curves for {envId ?? "an external environment"}. The efficacy benchmark (<code>npm run bench:efficacy</code>) measures
        CarTrack-v1 and Fork-v1; a project on one of those can be compared with its DAgger, behaviour-cloning, head, selection and
        aggregation arms.
      </p>
    );
  }
  const mine = comparablePoints(points);
  const xHi = Math.max(1, ...mine.map((p) => p.samples), ...references.curves.flatMap((c) => c.labels));
  const values = [...mine.map((p) => p.normalizedReturn), ...references.curves.flatMap((c) => c.mean.map((m, i) => m - (c.ci95[i] ?? 0))), 0, 1];
  const yLo = Math.max(-1.5, Math.min(...values));
  const yHi = 1.1;
  const x = scale(0, xHi, PAD.left, W - PAD.right);
  const y = scale(yLo, yHi, H - PAD.bottom, PAD.top);
  const clampY = (v: number) => y(Math.max(yLo, Math.min(yHi, v)));
  return (
    <div data-testid="reference-panel">
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={`This project against ${references.curves.length} reference curve(s) for ${envId}`} data-testid="reference-chart">
        {[0, 0.5, 1].map((t) => (
          <g key={t} className="chart-grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">{t}</text>
          </g>
        ))}
        {[0, 0.5, 1].map((t) => (
          <text key={`x${t}`} className="chart-axis" x={x(xHi * t)} y={H - PAD.bottom + 16} textAnchor="middle">{Math.round(xHi * t)}</text>
        ))}
        <text className="chart-axis" x={(PAD.left + W - PAD.right) / 2} y={H - 4} textAnchor="middle">labelled samples</text>
        {references.curves.map((c, i) => {
          const color = COLORS[i % COLORS.length];
          const upper = c.labels.map((l, j) => `${x(l).toFixed(1)},${clampY((c.mean[j] ?? 0) + (c.ci95[j] ?? 0)).toFixed(1)}`);
          const lower = c.labels.map((l, j) => `${x(l).toFixed(1)},${clampY((c.mean[j] ?? 0) - (c.ci95[j] ?? 0)).toFixed(1)}`).reverse();
          const line = c.labels.map((l, j) => `${j === 0 ? "M" : "L"}${x(l).toFixed(1)},${clampY(c.mean[j] ?? 0).toFixed(1)}`).join(" ");
          return (
            <g key={`${c.experiment}/${c.label}`} data-testid="reference-curve" data-label={c.label} data-points={c.labels.length}>
              {c.seeds > 1 && <polygon points={[...upper, ...lower].join(" ")} fill={color} fillOpacity={0.12} stroke="none" />}
              <path d={line} fill="none" stroke={color} strokeWidth={1.5} strokeDasharray={c.label.endsWith("BC") ? "5 3" : undefined}>
                <title>{`${c.label} (${c.seeds} seed${c.seeds === 1 ? "" : "s"})`}</title>
              </path>
            </g>
          );
        })}
        {mine.length > 1 && <path className="curve-line" d={mine.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.samples).toFixed(1)},${clampY(p.normalizedReturn).toFixed(1)}`).join(" ")} />}
        {mine.map((p) => (
          <circle key={p.round} className="curve-point" cx={x(p.samples)} cy={clampY(p.normalizedReturn)} r={5} data-testid="reference-project-point" data-round={p.round} data-samples={p.samples} data-value={p.normalizedReturn}>
            <title>{`This project, round ${p.round}: ${fmt(p.normalizedReturn)} at ${p.samples} samples`}</title>
          </circle>
        ))}
      </svg>
      <ul className="reference-legend small" data-testid="reference-legend">
        <li>
          <span className="swatch" style={{ background: "var(--accent)" }} /> this project ({mine.length} round{mine.length === 1 ? "" : "s"})
        </li>
        {references.curves.map((c, i) => (
          <li key={`${c.experiment}/${c.label}`}>
            <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {c.label} <span className="muted">(n={c.seeds})</span>
          </li>
        ))}
      </ul>
      <p className="muted small">
        Reference: {references.source}, {references.date.slice(0, 10)}
        {references.quick ? " (a --quick run: fewer seeds and rounds)" : ""}. Bands are 95% confidence intervals over seeds; dashed lines are
        behaviour cloning. The benchmark&apos;s labels are simulated labellers&apos; (clean, or a people-like crowd in experiment D); this
        project&apos;s x is its dataset size (labels, demonstrations and gold so far).
      </p>
    </div>
  );
}
