"use client";

/** Action histogram as plain SVG bars: one chart per action dimension (discrete: one bar per action). */
import type { THistogram } from "@/contracts/datasets";

export function Histogram({ histogram, title, testId, compare }: { histogram: THistogram; title?: string; testId?: string; compare?: THistogram }) {
  return (
    <figure className="histogram" data-testid={testId} data-kind={histogram.kind}>
      {title && <figcaption className="small muted">{title}</figcaption>}
      {histogram.dims.map((dim, d) => {
        const other = compare?.dims[d]?.counts;
        const total = dim.counts.reduce((a, b) => a + b, 0);
        const max = Math.max(1, ...dim.counts, ...(other ?? []));
        const n = Math.max(1, dim.counts.length);
        const W = 320;
        const H = 90;
        const bw = W / n;
        return (
          <svg key={dim.label} viewBox={`0 0 ${W} ${H + 18}`} width={W} height={H + 18} role="img" aria-label={`${dim.label}: ${total} actions`} data-testid={testId ? `${testId}-dim` : undefined}>
            {dim.counts.map((c, i) => {
              const h = (c / max) * H;
              return (
                <rect key={i} x={i * bw + 1} y={H - h} width={Math.max(1, bw - 2)} height={h} fill="#2155d6" data-count={c}>
                  <title>{binLabel(histogram, dim, i)}: {c}</title>
                </rect>
              );
            })}
            {other?.map((c, i) => {
              const h = (c / max) * H;
              return <rect key={`o${i}`} x={i * bw + 1} y={H - h} width={Math.max(1, bw - 2)} height={h} fill="none" stroke="#d97706" strokeDasharray="3 2" />;
            })}
            <line x1={0} x2={W} y1={H} y2={H} stroke="#5b6573" />
            <text x={0} y={H + 14} fontSize={11} fill="#5b6573">{histogram.kind === "discrete" ? dim.label : `${dim.label}: ${dim.low} … ${dim.high}`}</text>
            <text x={W} y={H + 14} fontSize={11} fill="#5b6573" textAnchor="end">n = {total}</text>
          </svg>
        );
      })}
    </figure>
  );
}

function binLabel(h: THistogram, dim: THistogram["dims"][number], i: number): string {
  if (h.kind === "discrete") return `action ${i}`;
  const w = (dim.high - dim.low) / Math.max(1, dim.counts.length);
  return `${(dim.low + i * w).toFixed(2)} … ${(dim.low + (i + 1) * w).toFixed(2)}`;
}
