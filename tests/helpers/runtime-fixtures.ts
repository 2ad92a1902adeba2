/**
 * The parity fixtures of the Python policy runtime (clients/python/corrective/runtime): small policies
 * trained with a fixed seed, and what the TypeScript runtime does with them — deterministic actions
 * (with uncertainty and spread) on fixed observations, and statistics of seeded samples.
 *
 * `scripts/make-runtime-fixtures.ts` trains the policies and writes `policy-<name>.crpl` + `.json` under
 * clients/python/tests/fixtures/; tests/trainer/runtime-fixtures.test.ts recomputes every record from the
 * committed blob with the current TypeScript runtime (so the fixtures cannot rot), and the Python tests
 * check numpy against them (deterministic to 1e-5, samples statistically).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeDataset, type Dataset } from "../../trainer/dataset";
import { Policy } from "../../trainer/policy/policy";
import type { TActionSpace, THeadConfig, TNetworkConfig } from "../../contracts/policy-spec";
import type { TTrainConfigInput } from "../../contracts/trainer-protocol";
import { gaussian, mulberry32 } from "../../trainer/random";

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../clients/python/tests/fixtures");

/** Samples per sampled observation: at ~5σ the checks catch a ~15 % error in a variance, a 0.05σ shift of a mean. */
export const SAMPLES = 10_000;
/** Probabilities of the recorded quantiles of each sampled action dimension. */
export const QUANTILE_PROBS = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

export interface FixtureDef {
  readonly name: string;
  readonly obsDim: number;
  readonly actionSpace: TActionSpace;
  readonly head: THeadConfig;
  readonly network: TNetworkConfig;
  readonly ensembleSize: number;
  /** The expert the policy imitates: observation → action (env units). */
  readonly expert: (obs: number[], rng: () => number) => number | number[];
  readonly epochs: number;
}

const BOX2 = { type: "box", shape: [2], low: [-1, -0.5], high: [1, 0.5] } as const satisfies TActionSpace;
/** Second dimension unbounded (Gymnasium-style ±3.4e38): its scale comes from the data. */
const BOX2_OPEN = { type: "box", shape: [2], low: [-2, -3.4e38], high: [2, 3.4e38] } as const satisfies TActionSpace;
const relu = (hidden: number[]): TNetworkConfig => ({ hidden, activation: "relu" });

/** 3 actions: which of three linear scores of the observation is largest (with 10 % label noise). */
const pick3 = (o: number[], rng: () => number): number => {
  if (rng() < 0.1) return Math.floor(rng() * 3);
  const s = [o[0]! + o[1]!, o[1]! - o[2]!, 0.5 - o[3]!];
  return s.indexOf(Math.max(...s));
};
/** Smooth 2-D regression with noise. */
const smooth2 = (o: number[], rng: () => number): number[] => [Math.sin(2 * o[0]!) + 0.1 * gaussian(rng), 0.4 * o[1]! * o[2]! + 0.05 * gaussian(rng)];
/** Bimodal: pass left or right (±0.6 in the first dimension), second dimension follows the state. */
const bimodal2 = (o: number[], rng: () => number): number[] => [(rng() < 0.5 ? -0.6 : 0.6) + 0.05 * gaussian(rng), 0.3 * o[0]! + 0.05 * gaussian(rng)];

export const FIXTURES: readonly FixtureDef[] = [
  // The default MLP of a project (hiddenUnits [64, 64], relu) with the default discrete head.
  { name: "categorical", obsDim: 4, actionSpace: { type: "discrete", n: 3 }, head: { kind: "categorical" }, network: relu([64, 64]), ensembleSize: 1, expert: pick3, epochs: 20 },
  { name: "gaussian", obsDim: 3, actionSpace: BOX2, head: { kind: "gaussian", variance: "state" }, network: relu([64, 64]), ensembleSize: 1, expert: smooth2, epochs: 20 },
  { name: "gaussian-global-tanh", obsDim: 3, actionSpace: BOX2_OPEN, head: { kind: "gaussian", variance: "global" }, network: { hidden: [16], activation: "tanh" }, ensembleSize: 1, expert: smooth2, epochs: 20 },
  { name: "mog", obsDim: 3, actionSpace: BOX2, head: { kind: "mog", components: 3 }, network: relu([32, 32]), ensembleSize: 1, expert: bimodal2, epochs: 25 },
  { name: "autoregressive", obsDim: 3, actionSpace: BOX2, head: { kind: "autoregressive", bins: 11 }, network: relu([32, 32]), ensembleSize: 1, expert: bimodal2, epochs: 20 },
  { name: "ensemble-categorical", obsDim: 4, actionSpace: { type: "discrete", n: 3 }, head: { kind: "categorical" }, network: relu([16, 16]), ensembleSize: 3, expert: pick3, epochs: 10 },
  { name: "ensemble-gaussian", obsDim: 3, actionSpace: BOX2, head: { kind: "gaussian", variance: "state" }, network: relu([16, 16]), ensembleSize: 3, expert: smooth2, epochs: 10 },
  { name: "ensemble-mog", obsDim: 3, actionSpace: BOX2, head: { kind: "mog", components: 2 }, network: relu([16]), ensembleSize: 2, expert: bimodal2, epochs: 10 },
  {
    name: "cvae-best", obsDim: 3, actionSpace: BOX2, network: relu([32, 32]), ensembleSize: 1, expert: bimodal2, epochs: 25,
    head: { kind: "cvae", latentDim: 2, prior: "standard", beta: 1, deterministicLatent: "best", freeBits: 0.25 },
  },
  {
    name: "cvae-learned-quantile", obsDim: 3, actionSpace: BOX2, network: relu([32]), ensembleSize: 1, expert: bimodal2, epochs: 20,
    head: { kind: "cvae", latentDim: 1, prior: "learned", beta: 1, deterministicLatent: "quantile", freeBits: 0.25 },
  },
  {
    name: "cvae-learned-mean", obsDim: 3, actionSpace: BOX2_OPEN, network: relu([16, 16]), ensembleSize: 1, expert: smooth2, epochs: 15,
    head: { kind: "cvae", latentDim: 2, prior: "learned", beta: 0.5, deterministicLatent: "mean", freeBits: 0 },
  },
  {
    // Latent dimension 4: the "best" candidates are 8 mulberry32(17) draws (the Python runtime replays the generator).
    name: "cvae-l4-best", obsDim: 3, actionSpace: BOX2, network: relu([16, 16]), ensembleSize: 1, expert: bimodal2, epochs: 15,
    head: { kind: "cvae", latentDim: 4, prior: "standard", beta: 1, deterministicLatent: "best", freeBits: 0.25 },
  },
  {
    name: "diffusion-ddim-cosine", obsDim: 3, actionSpace: BOX2, network: relu([32, 32]), ensembleSize: 1, expert: bimodal2, epochs: 25,
    head: { kind: "diffusion", steps: 20, sampleSteps: 6, sampler: "ddim", schedule: "cosine" },
  },
  {
    name: "diffusion-ddpm-linear", obsDim: 3, actionSpace: BOX2, network: relu([32]), ensembleSize: 1, expert: bimodal2, epochs: 25,
    head: { kind: "diffusion", steps: 12, sampleSteps: 12, sampler: "ddpm", schedule: "linear" },
  },
  {
    name: "ensemble-diffusion", obsDim: 3, actionSpace: BOX2, network: relu([16]), ensembleSize: 2, expert: bimodal2, epochs: 10,
    head: { kind: "diffusion", steps: 10, sampleSteps: 4, sampler: "ddpm", schedule: "cosine" },
  },
];

/** The expert's data: observations uniform in [-1, 1]^obsDim. */
export function fixtureDataset(def: FixtureDef, n = 600, seed = 11): Dataset {
  const rng = mulberry32(seed);
  const obs: number[][] = [];
  const act: Array<number | number[]> = [];
  for (let i = 0; i < n; i++) {
    const o = Array.from({ length: def.obsDim }, () => rng() * 2 - 1);
    obs.push(o);
    act.push(def.expert(o, rng));
  }
  return makeDataset(obs, act);
}

export function fixtureTrainConfig(def: FixtureDef): TTrainConfigInput {
  return {
    actionSpace: def.actionSpace,
    head: def.head,
    network: def.network,
    ensembleSize: def.ensembleSize,
    epochs: def.epochs,
    batchSize: 64,
    learningRate: 3e-3,
    patience: 1000,
    seed: 5,
  };
}

/** Deterministic observations: typical states, then states far outside the data (normalisation clip at ±10). */
export function fixtureObservations(obsDim: number): number[][] {
  const rng = mulberry32(23);
  const obs = Array.from({ length: 12 }, () => Array.from({ length: obsDim }, () => rng() * 2.4 - 1.2));
  obs.push(Array.from({ length: obsDim }, (_, j) => (j % 2 === 0 ? 40 : -25)));
  obs.push(Array.from({ length: obsDim }, (_, j) => (j % 2 === 0 ? -1e6 : 3)));
  return obs;
}

export interface SampleStats {
  readonly observation: number[];
  readonly n: number;
  /** Discrete: count of each action. */
  readonly counts?: number[];
  /** Box, per dimension: mean, variance, fourth central moment and the quantiles at QUANTILE_PROBS. */
  readonly mean?: number[];
  readonly variance?: number[];
  readonly moment4?: number[];
  readonly quantiles?: number[][];
}

export interface FixtureRecord {
  readonly name: string;
  readonly head: THeadConfig;
  readonly ensembleSize: number;
  readonly deterministic: {
    readonly observations: number[][];
    readonly actions: Array<number | number[]>;
    readonly uncertainty: number[];
    readonly spread: number[];
  };
  readonly sampled: { readonly quantileProbs: number[]; readonly stats: SampleStats[] };
}

/** What the TypeScript runtime does with a blob: deterministic outputs and seeded sample statistics. */
export function fixtureRecord(name: string, blob: Uint8Array): FixtureRecord {
  const policy = Policy.fromBlob(blob);
  const { spec } = policy;
  const observations = fixtureObservations(spec.obsDim);
  const det = policy.actBatch(observations, { deterministic: true });
  const stats = observations.slice(0, 2).map((observation, k) => sampleStats(policy, observation, mulberry32(100 + k)));
  return {
    name,
    head: spec.head,
    ensembleSize: spec.ensembleSize,
    deterministic: { observations, actions: det.actions, uncertainty: Array.from(det.uncertainty), spread: Array.from(det.spread) },
    sampled: { quantileProbs: QUANTILE_PROBS, stats },
  };
}

function sampleStats(policy: Policy, observation: number[], rng: () => number): SampleStats {
  const batch = policy.actBatch(Array.from({ length: SAMPLES }, () => observation), { deterministic: false, rng });
  if (policy.spec.actionSpace.type === "discrete") {
    const counts = new Array<number>(policy.spec.actionSpace.n).fill(0);
    for (const a of batch.actions) counts[a as number]! += 1;
    return { observation, n: SAMPLES, counts };
  }
  const d = policy.actDim;
  const mean: number[] = [];
  const variance: number[] = [];
  const moment4: number[] = [];
  const quantiles: number[][] = [];
  for (let j = 0; j < d; j++) {
    const xs = batch.actions.map((a) => (a as number[])[j] as number).sort((a, b) => a - b);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    mean.push(m);
    variance.push(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
    moment4.push(xs.reduce((s, x) => s + (x - m) ** 4, 0) / xs.length);
    // Empirical quantile: the ⌈p·n⌉-th smallest sample.
    quantiles.push(QUANTILE_PROBS.map((p) => xs[Math.max(Math.ceil(p * xs.length) - 1, 0)] as number));
  }
  return { observation, n: SAMPLES, mean, variance, moment4, quantiles };
}
