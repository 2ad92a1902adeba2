/**
 * The lead pages' pure logic: the new-project form's defaults are the contract's, the bodies it builds pass
 * `ZCreateProject`, contract errors land on the right fields; the review queue's typed value is checked
 * against the action space.
 */
import { describe, expect, it } from "vitest";
import { ZCreateProject, ZProjectSettings } from "../../contracts/settings";
import type { TSpace } from "../../contracts/spaces";
import { parseValue, valueText } from "../../app/_components/lead/review-value";
import { DEFAULTS, buildBody, collect, fieldFor, initialFields } from "../../app/projects/new/project-form";

const bools = { warmStart: DEFAULTS.warmStart, autoAdvance: DEFAULTS.autoAdvance };
const errorsOf = (body: unknown) => {
  const r = ZCreateProject.safeParse(body);
  if (r.success) return {};
  const byPath = new Map<string, string[]>();
  for (const i of r.error.issues) byPath.set(i.path.join("."), [...(byPath.get(i.path.join(".")) ?? []), i.message]);
  return collect([...byPath]);
};

describe("new-project form", () => {
  it("starts at the contract's defaults: the untouched form creates a project with exactly the default settings", () => {
    const body = buildBody({ ...initialFields, name: "P" }, bools, "builtin");
    const parsed = ZCreateProject.parse(body);
    expect(parsed.envId).toBe("CarTrack-v0");
    expect(ZProjectSettings.parse(parsed.settings)).toEqual(DEFAULTS);
  });

  it("builds external spaces from sizes and bounds", () => {
    const body = buildBody({ ...initialFields, name: "E", obsDim: "3", actionN: "4", actionLabels: "a, b, c, d" }, bools, "external");
    // Rollout and evaluation episodes are for built-in envs only: not sent.
    expect(body.settings).not.toHaveProperty("rolloutEpisodes");
    const discrete = ZCreateProject.parse(body);
    expect(discrete.external).toEqual({
      observationSpace: { type: "box", shape: [3], low: [-10, -10, -10], high: [10, 10, 10] },
      actionSpace: { type: "discrete", n: 4, labels: ["a", "b", "c", "d"] },
    });
    expect(discrete.envId).toBeUndefined();
    const box = ZCreateProject.parse(buildBody({ ...initialFields, name: "E", actionType: "box", actionDim: "2", actionLow: "-2", actionHigh: "3" }, bools, "external"));
    expect(box.external?.actionSpace).toEqual({ type: "box", shape: [2], low: [-2, -2], high: [3, 3] });
  });

  it("puts each contract error on its field", () => {
    const bad = buildBody({ ...initialFields, name: " ", epochs: "0", hiddenUnits: "", beta: "2", learningRate: "x" }, bools, "builtin");
    expect(Object.keys(errorsOf(bad)).sort()).toEqual(["beta", "epochs", "hiddenUnits", "learningRate", "name"]);
    const ext = buildBody({ ...initialFields, name: "E", actionN: "0", obsDim: "0" }, bools, "external");
    expect(Object.keys(errorsOf(ext))).toEqual(expect.arrayContaining(["actionN", "obsDim"]));
    expect(fieldFor("settings.betaSchedule.rounds")).toBe("betaRounds");
    expect(fieldFor("external.actionSpace.high")).toBe("actionHigh");
    expect(fieldFor("envId")).toBe("envId");
  });
});

describe("review value", () => {
  const box: TSpace = { type: "box", shape: [2], low: [-1, 0], high: [1, 5] };
  const discrete: TSpace = { type: "discrete", n: 3 };
  it("accepts values inside the action space", () => {
    expect(parseValue(box, "0.5, 4")).toEqual({ action: [0.5, 4] });
    expect(parseValue(box, " -1 5 ")).toEqual({ action: [-1, 5] });
    expect(parseValue(discrete, "2")).toEqual({ action: 2 });
  });
  it("says what is wrong otherwise", () => {
    expect(parseValue(box, "")).toEqual({ problem: "Type a value or pick a label" });
    expect(parseValue(box, "0.5, abc")).toEqual({ problem: "Only numbers, separated by commas" });
    expect(parseValue(box, "0.5")).toMatchObject({ problem: expect.stringContaining("2 elements") });
    expect(parseValue(box, "2, 1")).toMatchObject({ problem: expect.stringContaining("outside") });
    expect(parseValue(discrete, "3")).toMatchObject({ problem: expect.stringContaining("out of range") });
    expect(parseValue(discrete, "1.5")).toMatchObject({ problem: expect.stringContaining("integer") });
  });
  it("shows a label's value so that it parses back to the same action (to 4 decimals)", () => {
    expect(valueText([0.123456, -0.5])).toBe("0.1235, -0.5");
    expect(parseValue(box, valueText([0.123456, 2]))).toEqual({ action: [0.1235, 2] });
    expect(valueText(1)).toBe("1");
  });
});
