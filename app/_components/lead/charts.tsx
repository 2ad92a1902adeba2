"use client";

/**
 * Small SVG charts for the rounds dashboard, drawn by hand (no chart library): the learning curve with its
 * reference lines, and a loss curve. Every mark carries a testid and its value in `data-*` attributes, so
 * tests (and people with devtools) can read exactly what is drawn.
 */
import type { TDashboard } from "@/contracts/dashboard";

const W = 800;
const H = 260;
const PAD = { left: 48, right: 132, top: 16, bottom: 36 };

function scale(d0: number, d1: number, r0: number, r1: number) {
  const span = d1 - d0 || 1;
  return (v: number) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** About five round numbers covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

export function LearningCurve({ curve }: { curve: TDashboard["curve"] }) {
  const { points, expert, bc } = curve;
  const values = [...points.map((p) => p.normalizedReturn), expert, ...(bc === null ? [] : [bc]), 0];
  const yLo = Math.min(...values);
  const yHi = Math.max(...values) * 1.08 + 0.02;
  const xHi = Math.max(1, ...points.map((p) => p.round));
  const x = scale(0, xHi, PAD.left, W - PAD.right);
  const y = scale(yLo, yHi, H - PAD.bottom, PAD.top);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.round).toFixed(1)},${y(p.normalizedReturn).toFixed(1)}`).join(" ");
  const xTicks = Array.from({ length: xHi + 1 }, (_, i) => i).filter((i) => xHi <= 12 || i % Math.ceil(xHi / 12) === 0);

  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={`Learning curve: normalised evaluation return for ${points.length} round(s); expert ${fmt(expert)}${bc === null ? "" : `, behaviour cloning ${fmt(bc)}`}`}
      data-testid="learning-curve"
      data-points={points.length}
    >
      {ticks(yLo, yHi).map((t) => (
        <g key={`y${t}`} className="chart-grid">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">{fmt(t)}</text>
        </g>
      ))}
      {xTicks.map((t) => (
        <text key={`x${t}`} className="chart-axis" x={x(t)} y={H - PAD.bottom + 16} textAnchor="middle">{t}</text>
      ))}
      <text className="chart-axis" x={(PAD.left + W - PAD.right) / 2} y={H - 4} textAnchor="middle">round</text>
      <text className="chart-axis" transform={`translate(12 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)`} textAnchor="middle">normalised return</text>

      <g data-testid="ref-expert" data-value={expert}>
        <line className="ref-line expert" x1={PAD.left} x2={W - PAD.right} y1={y(expert)} y2={y(expert)} />
        <text className="ref-label expert" x={W - PAD.right + 6} y={y(expert) + 4}>expert {fmt(expert)}</text>
      </g>
      {bc !== null && (
        <g data-testid="ref-bc" data-value={bc}>
          <line className="ref-line bc" x1={PAD.left} x2={W - PAD.right} y1={y(bc)} y2={y(bc)} />
          <text className="ref-label bc" x={W - PAD.right + 6} y={y(bc) + 4}>BC (round 0) {fmt(bc)}</text>
        </g>
      )}
      {points.length > 1 && <path className="curve-line" d={path} data-testid="curve-line" />}
      {points.map((p) => (
        <circle key={p.round} className="curve-point" cx={x(p.round)} cy={y(p.normalizedReturn)} r={5} data-testid="curve-point" data-round={p.round} data-value={p.normalizedReturn}>
          <title>{`Round ${p.round}: ${fmt(p.normalizedReturn)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export interface LossPoint {
  epoch: number;
  loss: number;
  valLoss?: number | null;
}

export function LossCurve({ points, epochs, testId = "loss-curve" }: { points: LossPoint[]; epochs?: number; testId?: string }) {
  const h = 180;
  const finite = points.flatMap((p) => [p.loss, p.valLoss ?? NaN]).filter(Number.isFinite);
  // Losses may be negative (Gaussian / mixture NLL): pad the observed range instead of anchoring at 0.
  const fLo = finite.length ? Math.min(...finite) : 0;
  const fHi = finite.length ? Math.max(...finite) : 1;
  const padY = (fHi - fLo || Math.abs(fHi) || 1) * 0.08;
  const lo = fLo >= 0 && fLo - padY < 0 ? 0 : fLo - padY;
  const hi = fHi + padY;
  const xHi = Math.max(epochs ?? 0, ...points.map((p) => p.epoch), 1);
  const x = scale(Math.min(1, ...points.map((p) => p.epoch)), Math.max(xHi, 2), PAD.left, W - PAD.right);
  const y = scale(lo, hi, h - PAD.bottom, PAD.top);
  const line = (get: (p: LossPoint) => number | null | undefined) =>
    points
      .filter((p) => Number.isFinite(get(p) ?? NaN))
      .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.epoch).toFixed(1)},${y(get(p) as number).toFixed(1)}`)
      .join(" ");
  const hasVal = points.some((p) => Number.isFinite(p.valLoss ?? NaN));
  return (
    <svg viewBox={`0 0 ${W} ${h}`} className="chart" role="img" aria-label={`Loss per epoch, ${points.length} epoch(s)`} data-testid={testId} data-points={points.length}>
      {ticks(lo, hi, 4).map((t) => (
        <g key={`y${t}`} className="chart-grid">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">{fmt(t)}</text>
        </g>
      ))}
      <text className="chart-axis" x={(PAD.left + W - PAD.right) / 2} y={h - 4} textAnchor="middle">epoch (of {xHi})</text>
      <path className="loss-line" d={line((p) => p.loss)} />
      {hasVal && <path className="loss-line val" d={line((p) => p.valLoss)} />}
      <text className="ref-label" x={W - PAD.right + 6} y={PAD.top + 10} fill="#2155d6">loss</text>
      {hasVal && <text className="ref-label" x={W - PAD.right + 6} y={PAD.top + 26} fill="#9a6700">val. loss</text>}
    </svg>
  );
}
