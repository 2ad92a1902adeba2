/**
 * The new-project form's pure logic: its fields with the contract's defaults, the request body they describe
 * (validated by `ZCreateProject` before sending), and where a contract path's error is shown.
 */
import { ZProjectSettings } from "@/contracts/settings";

export const DEFAULTS = ZProjectSettings.parse({});

export type Fields = Record<string, string>;
export type Bools = { warmStart: boolean; autoAdvance: boolean };

export const initialFields: Fields = {
  name: "",
  description: "",
  envId: "CarTrack-v0",
  obsDim: "4",
  obsLow: "-10",
  obsHigh: "10",
  actionType: "discrete",
  actionN: "2",
  actionLabels: "",
  actionDim: "1",
  actionLow: "-1",
  actionHigh: "1",
  head: DEFAULTS.head,
  epochs: String(DEFAULTS.epochs),
  batchSize: String(DEFAULTS.batchSize),
  hiddenUnits: DEFAULTS.hiddenUnits.join(", "),
  learningRate: String(DEFAULTS.learningRate),
  ensembleSize: String(DEFAULTS.ensembleSize),
  statesPerRound: String(DEFAULTS.statesPerRound),
  labelsPerState: String(DEFAULTS.labelsPerState),
  selection: DEFAULTS.selection,
  stride: String(DEFAULTS.stride),
  goldRate: String(DEFAULTS.goldRate),
  minAgreement: String(DEFAULTS.minAgreement),
  clusterTolerance: String(DEFAULTS.clusterTolerance),
  rolloutEpisodes: String(DEFAULTS.rolloutEpisodes),
  evalEpisodes: String(DEFAULTS.evalEpisodes),
  betaKind: DEFAULTS.betaSchedule.kind,
  beta: "0",
  betaStart: "1",
  betaEnd: "0",
  betaRounds: "5",
  betaP: "0.5",
};

const n = (s: string | undefined) => (s === undefined || s.trim() === "" ? Number.NaN : Number(s));
const list = (s: string) => s.split(/[\s,]+/).filter(Boolean).map(Number);

/** The request body the form describes (not yet validated). */
export function buildBody(f: Fields, b: Bools, source: "builtin" | "external") {
  const beta =
    f.betaKind === "linear"
      ? { kind: "linear", start: n(f.betaStart), end: n(f.betaEnd), rounds: n(f.betaRounds) }
      : f.betaKind === "exponential"
        ? { kind: "exponential", p: n(f.betaP) }
        : { kind: "constant", beta: n(f.beta) };
  const settings = {
    head: f.head,
    epochs: n(f.epochs),
    batchSize: n(f.batchSize),
    hiddenUnits: list(f.hiddenUnits ?? ""),
    learningRate: n(f.learningRate),
    ensembleSize: n(f.ensembleSize),
    warmStart: b.warmStart,
    statesPerRound: n(f.statesPerRound),
    labelsPerState: n(f.labelsPerState),
    selection: f.selection,
    stride: n(f.stride),
    goldRate: n(f.goldRate),
    minAgreement: n(f.minAgreement),
    clusterTolerance: n(f.clusterTolerance),
    betaSchedule: beta,
    autoAdvance: b.autoAdvance,
    ...(source === "builtin" ? { rolloutEpisodes: n(f.rolloutEpisodes), evalEpisodes: n(f.evalEpisodes) } : {}),
  };
  const base = { name: f.name ?? "", description: f.description ?? "", settings };
  if (source === "builtin") return { ...base, envId: f.envId };
  const obsDim = n(f.obsDim);
  const fill = (dim: number, v: number) => (Number.isInteger(dim) && dim > 0 && dim <= 4096 ? Array.from({ length: dim }, () => v) : []);
  const labels = (f.actionLabels ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const actionDim = n(f.actionDim);
  const actionSpace =
    f.actionType === "discrete"
      ? { type: "discrete", n: n(f.actionN), ...(labels.length ? { labels } : {}) }
      : { type: "box", shape: [actionDim], low: fill(actionDim, n(f.actionLow)), high: fill(actionDim, n(f.actionHigh)), ...(labels.length ? { labels } : {}) };
  return {
    ...base,
    external: { observationSpace: { type: "box", shape: [obsDim], low: fill(obsDim, n(f.obsLow)), high: fill(obsDim, n(f.obsHigh)) }, actionSpace },
  };
}

/** Which form field shows an error at a contract path (`settings.epochs`, `external.actionSpace.n` …). */
export function fieldFor(path: string): string {
  const p = path.split(".");
  if (p[0] === "settings") {
    if (p[1] === "betaSchedule") return { beta: "beta", start: "betaStart", end: "betaEnd", rounds: "betaRounds", p: "betaP" }[p[2] ?? ""] ?? "betaKind";
    return p[1] ?? "_";
  }
  if (p[0] === "external") {
    const obs = p[1] === "observationSpace";
    const leaf = p[2] ?? "";
    if (obs) return leaf === "low" ? "obsLow" : leaf === "high" ? "obsHigh" : "obsDim";
    return ({ n: "actionN", labels: "actionLabels", low: "actionLow", high: "actionHigh", shape: "actionDim" } as Record<string, string>)[leaf] ?? (leaf ? "actionDim" : "actionType");
  }
  return p[0] || "_";
}

export function collect(entries: [string, string[]][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, msgs] of entries) {
    const key = fieldFor(path);
    if (!out[key] && msgs[0]) out[key] = msgs[0];
  }
  return out;
}
