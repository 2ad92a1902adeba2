/**
 * bench:ui's report by scenario (bench/lib/ui-report.ts): `--only image` keeps the saved rows and notes of the
 * scenarios it did not rerun, a ui.json from before scenarios is read by its labeller names, and unknown
 * scenario names are refused.
 */
import { describe, expect, it } from "vitest";
import { mergeUiReports, parseOnly, savedUiReports, scenarioOfRow } from "../../bench/lib/ui-report";

const row = (labeller: string, value: number) => ({ labeller, measure: "key → next state painted (median)", value, unit: "ms" });

describe("bench:ui report by scenario", () => {
  it("parses --only, in the report's order, and refuses an unknown scenario", () => {
    expect(parseOnly(undefined)).toEqual(["keyboard", "ride", "image"]);
    expect(parseOnly("image,keyboard")).toEqual(["keyboard", "image"]);
    expect(() => parseOnly("images")).toThrow(/unknown scenario "images"/);
  });

  it("reads a ui.json saved before scenarios existed by its labeller names", () => {
    expect(scenarioOfRow(row("ride-along at 1×", 1))).toBe("ride");
    expect(scenarioOfRow(row("keyboard, flat out", 1))).toBe("keyboard");
    const saved = savedUiReports({ date: "2026-12-06T01:24:17.233Z", machine: { loadAverage1m: 17 }, rows: [row("keyboard, flat out", 11.5), row("ride-along at 1×", 43.1)], notes: ["old note"] });
    expect(saved.keyboard?.rows).toEqual([{ ...row("keyboard, flat out", 11.5), scenario: "keyboard" }]);
    expect(saved.keyboard?.notes).toEqual(["old note"]);
    expect(saved.ride?.rows.map((r) => r.value)).toEqual([43.1]);
    expect(saved.image).toBeUndefined();
    expect(savedUiReports(null)).toEqual({});
  });

  it("takes this run's scenarios and keeps the saved ones it did not rerun, saying from which run", () => {
    const saved = savedUiReports({ date: "2026-12-06T01:24:17.233Z", machine: { loadAverage1m: 17 }, rows: [row("keyboard, flat out", 11.5), row("ride-along at 1×", 43.1)], notes: ["old note"] });
    const fresh = { image: { rows: [row("keyboard, image states", 20)], notes: ["image note"], date: "2026-12-06T07:30:00.000Z", loadAverage1m: 9 } };
    const merged = mergeUiReports(fresh, saved);
    expect(merged.rows.map((r) => [r.scenario, r.value])).toEqual([
      ["keyboard", 11.5],
      ["ride", 43.1],
      ["image", 20],
    ]);
    expect(merged.notes).toEqual([
      'Scenario "keyboard": kept from the run of 2026-12-06 01:24 UTC (load 17), not rerun this time.',
      "old note",
      'Scenario "ride": kept from the run of 2026-12-06 01:24 UTC (load 17), not rerun this time.',
      "image note",
    ]);
    // Saved again and read back: the scenarios come back as they were written.
    const again = savedUiReports({ extra: { byScenario: merged.byScenario } });
    expect(again.image?.rows[0]?.value).toBe(20);
    // A rerun of a scenario replaces its saved rows.
    expect(mergeUiReports({ keyboard: { ...fresh.image, rows: [row("keyboard, flat out", 9)] } }, again).rows.map((r) => r.value)).toEqual([9, 43.1, 20]);
  });
});
