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
import { makeImageDataset } from "../../trainer/images";
import { Policy, type ObservationInput } from "../../trainer/policy/policy";
import type { TActionSpace, TCamera, THeadConfig, TNetworkConfig, TVisionInput } from "../../contracts/policy-spec";
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
  /**
   * Image policies: the cameras and encoder; observations are then Dicts `{ state, <camera>: pixels }` whose
   * images carry the signal the expert reads (see {@link visionObservation}).
   */
  readonly vision?: TVisionInput;
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
  // Image policies (ConvNet encoders, trainer/policy/conv.ts): two cameras of different shapes (a non-square RGB
  // one and a grey one, so a swapped H/W, channel or camera order shows), spatial-softmax keypoints, stride 2 and 1,
  // fused with a 2-element state; then one camera-only policy (obsDim 0) with average pooling and a discrete head.
  {
    name: "vision-gaussian", obsDim: 2, actionSpace: BOX2, head: { kind: "gaussian", variance: "state" }, network: relu([32]), ensembleSize: 1,
    expert: smooth2, epochs: 6,
    vision: { cameras: [{ name: "front", shape: [12, 10, 3] }, { name: "wrist", shape: [8, 8, 1] }], encoder: { channels: [4, 6], kernelSize: 3, downsample: 1, pooling: "spatial-softmax", featureDim: 5 } },
  },
  {
    name: "vision-avg-camera-only", obsDim: 0, actionSpace: { type: "discrete", n: 3 }, head: { kind: "categorical" }, network: relu([16]), ensembleSize: 1,
    expert: pick3, epochs: 12,
    vision: { cameras: [{ name: "image", shape: [9, 11, 3] }], encoder: { channels: [5, 4, 3], kernelSize: 5, downsample: 2, pooling: "avg", featureDim: 6 } },
  },
];

/**
 * An image observation that shows a hidden 4-vector `h` (what the expert reads): camera `c`'s pixel (y, x, k) is
 * noise plus a level and a ramp whose direction and contrast follow `h`, so the policy must read the pixels to imitate.
 */
export function visionObservation(def: FixtureDef, h: number[], rng: () => number): Record<string, number[]> {
  const obs: Record<string, number[]> = {};
  if (def.obsDim > 0) obs.state = h.slice(0, def.obsDim);
  (def.vision?.cameras ?? []).forEach((cam: TCamera, c) => {
    const [H, W, C] = cam.shape;
    const px: number[] = [];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let k = 0; k < C; k++) {
          const ramp = (h[(c + k) % 4] as number) * (x / (W - 1) - 0.5) + (h[(c + k + 1) % 4] as number) * (y / (H - 1) - 0.5);
          const level = 50 * (h[(c + k) % 4] as number);
          px.push(Math.min(255, Math.max(0, Math.round(128 + level + 150 * ramp + 20 * (rng() - 0.5)))));
        }
      }
    }
    obs[cam.name] = px;
  });
  return obs;
}

/** The expert's data: observations uniform in [-1, 1]^obsDim. */
export function fixtureDataset(def: FixtureDef, n = 600, seed = 11): Dataset {
  const rng = mulberry32(seed);
  if (def.vision !== undefined) {
    const obs: Array<Record<string, number[]>> = [];
    const act: Array<number | number[]> = [];
    for (let i = 0; i < n; i++) {
      const h = Array.from({ length: 4 }, () => rng() * 2 - 1);
      obs.push(visionObservation(def, h, rng));
      act.push(def.expert(h, rng));
    }
    return makeImageDataset(obs, act, def.vision.cameras as TCamera[], def.obsDim);
  }
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
    ...(def.vision === undefined ? {} : { vision: def.vision, randomShift: 1 }),
  };
}

/**
 * Deterministic observations: typical states, then states far outside the data (normalisation clip at ±10). Image
 * policies: Dicts whose images follow the training distribution for the first 12 (all-black and all-white images
 * for the last two, with the far-out states).
 */
export function fixtureObservations(obsDim: number, def?: FixtureDef): ObservationInput[] {
  if (def?.vision !== undefined) {
    const rng = mulberry32(29);
    const far = fixtureStateObservations(obsDim).slice(12);
    return [
      ...Array.from({ length: 12 }, () => visionObservation(def, Array.from({ length: 4 }, () => rng() * 2.4 - 1.2), rng)),
      ...far.map((state, k) => ({
        ...(obsDim > 0 ? { state } : {}),
        ...Object.fromEntries(def.vision!.cameras.map((c) => [c.name, new Array<number>(c.shape[0] * c.shape[1] * c.shape[2]).fill(k === 0 ? 0 : 255)])),
      })),
    ];
  }
  return fixtureStateObservations(obsDim);
}

function fixtureStateObservations(obsDim: number): number[][] {
  const rng = mulberry32(23);
  const obs = Array.from({ length: 12 }, () => Array.from({ length: obsDim }, () => rng() * 2.4 - 1.2));
  obs.push(Array.from({ length: obsDim }, (_, j) => (j % 2 === 0 ? 40 : -25)));
  obs.push(Array.from({ length: obsDim }, (_, j) => (j % 2 === 0 ? -1e6 : 3)));
  return obs;
}

export interface SampleStats {
  readonly observation: ObservationInput;
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
    /** Vectors, or for image policies Dicts `{ state?, <camera>: flat H·W·C pixels }`. */
    readonly observations: ObservationInput[];
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
  const observations = fixtureObservations(spec.obsDim, FIXTURES.find((f) => f.name === name));
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

function sampleStats(policy: Policy, observation: ObservationInput, rng: () => number): SampleStats {
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
