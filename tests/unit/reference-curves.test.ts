/**
 * The lead dashboard's reference comparison: the lookup of the efficacy benchmark's curves by env
 * (server/quality/reference-curves.ts) and the panel that draws them against a project's rounds
 * (app/_components/lead/ReferenceChart.tsx, rendered to markup).
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ReferencePanel, comparablePoints } from "../../app/_components/lead/ReferenceChart";
import type { TReferenceCurve } from "../../contracts/dashboard";
import { referenceCurvesFor } from "../../server/quality/reference-curves";
import committed from "../../bench/results/efficacy-reference.json";

const curve = (envId: string, label: string, n: number, over: Partial<TReferenceCurve> = {}): TReferenceCurve => ({
  envId,
  experiment: `X. ${envId}`,
  label,
  seeds: 3,
  labels: Array.from({ length: n }, (_, i) => (i + 1) * 100),
  mean: Array.from({ length: n }, (_, i) => i / n),
  ci95: Array.from({ length: n }, () => 0.05),
  ...over,
});
const file = (curves: TReferenceCurve[]) => ({ source: "test", date: "2026-12-06T00:00:00Z", quick: false, curves });

describe("referenceCurvesFor", () => {
  it("returns exactly the curves of the env, with their source", () => {
    const f = file([curve("CarTrack-v1", "CarTrack-v1 DAgger", 4), curve("Fork-v1", "Fork-v1 mog DAgger", 3), curve("CarTrack-v1", "CarTrack-v1 BC", 4)]);
    const r = referenceCurvesFor("CarTrack-v1", f);
    expect(r?.curves.map((c) => c.label)).toEqual(["CarTrack-v1 DAgger", "CarTrack-v1 BC"]);
    expect(r).toMatchObject({ source: "test", quick: false });
    expect(referenceCurvesFor("Fork-v1", f)?.curves).toHaveLength(1);
  });

  it("is null for envs without a reference (v0 is not v1), external projects, and malformed curves only", () => {
    const f = file([curve("CarTrack-v1", "ok", 3), curve("Fork-v1", "short", 3, { mean: [0, 1] }), curve("Fork-v1", "nan", 2, { ci95: [0, Number.NaN] })]);
    expect(referenceCurvesFor("CarTrack-v0", f)).toBeNull();
    expect(referenceCurvesFor(null, f)).toBeNull();
    expect(referenceCurvesFor("Fork-v1", f)).toBeNull();
  });

  it("the committed reference (bench/results/efficacy-reference.json) covers the efficacy envs and matches efficacy.json's settings", () => {
    for (const env of ["CarTrack-v1", "Fork-v1"]) {
      const r = referenceCurvesFor(env);
      expect(r, env).not.toBeNull();
      for (const c of r!.curves) {
        expect(c.envId).toBe(env);
        expect(c.mean).toHaveLength(c.labels.length);
        // Labels only grow along a curve.
        for (let i = 1; i < c.labels.length; i++) expect(c.labels[i]).toBeGreaterThan(c.labels[i - 1]!);
      }
    }
    expect(referenceCurvesFor("CartPole-v1")).toBeNull();
    expect(committed.curves.length).toBeGreaterThan(0);
  });
});

describe("ReferencePanel", () => {
  const render = (props: Parameters<typeof ReferencePanel>[0]) => renderToStaticMarkup(createElement(ReferencePanel, props));

  it("draws every reference curve (band over seeds) and the project's rounds by dataset size", () => {
    const refs = referenceCurvesFor("CarTrack-v1", file([curve("CarTrack-v1", "CarTrack-v1 DAgger", 4), curve("CarTrack-v1", "CarTrack-v1 BC", 4, { seeds: 1 })]));
    const points = [
      { round: 0, normalizedReturn: 0.4, samples: 200 },
      { round: 1, normalizedReturn: 0.7, samples: 400 },
      { round: 2, normalizedReturn: 0.8, samples: null },
    ];
    const html = render({ envId: "CarTrack-v1", points, references: refs });
    expect(html).toContain('data-testid="reference-chart"');
    expect(html.match(/data-testid="reference-curve"/g)).toHaveLength(2);
    expect(html).toContain('data-label="CarTrack-v1 BC"');
    // A band only where there is more than one seed.
    expect(html.match(/<polygon/g)).toHaveLength(1);
    // Rounds without a dataset version cannot be placed on the labels axis.
    expect(html.match(/data-testid="reference-project-point"/g)).toHaveLength(2);
    expect(html).toContain('data-samples="400"');
    expect(comparablePoints(points).map((p) => p.round)).toEqual([0, 1]);
    expect(html).not.toContain("reference-empty");
  });

  it("says so when the env has no reference curves", () => {
    const html = render({ envId: "CartPole-v1", points: [{ round: 0, normalizedReturn: 0.5, samples: 100 }], references: null });
    expect(html).toContain('data-testid="reference-empty"');
    expect(html).toContain("No reference curves for CartPole-v1");
    expect(html).not.toContain("reference-chart");
  });
});
