/**
 * The headless DAgger loop (Ross, Gordon & Bagnell 2011) with a scripted — optionally noisy —
 * expert, and behaviour cloning with the same label budget for comparison.
 *
 * Round 0: the expert drives; `labelsPerRound / labelsPerState` of the visited states are labelled
 * (k labels each, consensus, see labels.ts) → D₀; train π₀ (this is behaviour cloning).
 * Round r ≥ 1 (DAgger): roll out π_{r−1} (β-mixed with the expert, see beta.ts), select states
 * (uniform or by uncertainty), label them, D ← D ∪ D_r, train π_r (from scratch, or warm-started).
 * Round r ≥ 1 (BC arm): label the same number of fresh *expert-visited* states instead.
 * Every policy is evaluated on held-out seeds; returns are normalised with the expert's and a random
 * policy's returns on those same seeds.
 *
 * Training is injected (`hooks.train`) so the CLI can use the worker and tests can train in-process.
 * Browser-safe apart from what the injected trainer does.
 */
import { z } from "zod";
import { createExpert, getEnvSpec, observationImages, type Action, type Expert } from "../../envs/index";
import { makeDataset, type Dataset } from "../dataset";
import { imageSize, inMemoryImages } from "../images";
import { EVAL_FIRST_SEED, evaluatePolicy, measureReferences, type EvaluationSummary, type ReferenceReturns } from "../evaluate";
import { Policy } from "../policy/policy";
import { ZHeadConfig, ZNetworkConfig, ZVision, defaultHead, type THeadConfig } from "../policy/spec";
import type { TTrainConfigInput, TTrainProgress, TTrainResult } from "../protocol";
import { mulberry32, subSeed } from "../random";
import { rollout, type RolloutStep } from "../rollout";
import { ZBetaSchedule, betaForRound } from "./beta";
import { consensus, createNoisyLabeler } from "./labels";
import { createCrowd, type PersonLabel } from "./labeller-model";
import { estimateReliability, type ReliabilityItem } from "./reliability";
import { selectStates, type SelectionCandidate } from "./select";

export const ZDaggerConfig = z.object({
  envId: z.string(),
  envOptions: z.record(z.string(), z.unknown()).optional(),
  /** Rounds including round 0 (behaviour cloning on demonstrations). */
  rounds: z.number().int().min(1).default(10),
  /** Label budget per round (labels, not states: each state costs `labelsPerState`). */
  labelsPerRound: z.number().int().min(1).default(500),
  labelsPerState: z.number().int().min(1).max(15).default(1),
  /** Probability that one label is a uniformly random action. */
  labelNoise: z.number().min(0).max(1).default(0),
  /** Which visited states to label (select.ts): uniform, ensemble uncertainty, or thrifty's novelty/risk gate. */
  select: z.enum(["uniform", "uncertainty", "thrifty"]).default("uniform"),
  /**
   * Who labels: `scripted` (the expert, with `labelNoise`) or `people`, a crowd of people-like
   * labellers (labeller-model.ts: reaction delay riding along, bias, fatigue, mode flips, "can't tell").
   */
  labeller: z.enum(["scripted", "people"]).default("scripted"),
  crowd: z
    .object({ size: z.number().int().min(1).max(100).default(10), noisyFraction: z.number().min(0).max(1).default(0.25) })
    .default({ size: 10, noisyFraction: 0.25 }),
  /**
   * How the labels of one state become targets: `consensus` (majority / median, mode-aware; labels.ts),
   * `reliability` (Dawid–Skene weights from gold states and agreement; reliability.ts — needs
   * `labeller: "people"`), or `all` (every label is a sample: no aggregation).
   */
  aggregation: z.enum(["consensus", "reliability", "all"]).default("consensus"),
  /** Share of labelled states that are gold (their answer is known) for `reliability`. */
  goldFraction: z.number().min(0).max(1).default(0.05),
  /** Thrifty's risk: states within this many steps before a failed rollout's end. */
  riskHorizon: z.number().int().min(1).default(10),
  head: ZHeadConfig.optional(),
  network: ZNetworkConfig.optional(),
  /** Default: 5 with uncertainty or thrifty selection (needs an ensemble), else 1. */
  ensembleSize: z.number().int().min(1).max(32).optional(),
  beta: ZBetaSchedule.default({ kind: "constant", beta: 0 }),
  evalEpisodes: z.number().int().min(1).default(10),
  /** Rollout episodes per round are added until the pool holds `poolFactor ×` the states needed. */
  poolFactor: z.number().min(1).default(4),
  minRolloutEpisodes: z.number().int().min(1).default(5),
  maxRolloutEpisodes: z.number().int().min(1).default(60),
  compareBC: z.boolean().default(true),
  /**
   * How demonstrations (round 0, and the BC arm) spend their labels: `episodes` labels every step of
   * consecutive expert episodes, like a person teleoperating (default); `states` labels a uniform
   * sample of states from a pool of expert episodes (more diverse — see docs/TRAINER.md).
   */
  demos: z.enum(["episodes", "states"]).default("episodes"),
  /** Keep several label modes per state (default: true for mog / autoregressive heads). */
  multimodalLabels: z.boolean().optional(),
  warmStart: z.boolean().default(false),
  training: z
    .object({
      epochs: z.number().int().min(1).optional(),
      batchSize: z.number().int().min(1).optional(),
      learningRate: z.number().positive().optional(),
      patience: z.number().int().min(1).optional(),
      validationSplit: z.number().min(0).max(0.5).optional(),
      maxTrainMs: z.number().positive().optional(),
    })
    .default({}),
  seed: z.number().int().default(0),
});
export type TDaggerConfig = z.output<typeof ZDaggerConfig>;
export type TDaggerConfigInput = z.input<typeof ZDaggerConfig>;

export type TrainFn = (
  dataset: Dataset,
  config: TTrainConfigInput,
  options: { warmStart?: Uint8Array; onProgress?: (p: TTrainProgress) => void },
) => Promise<TTrainResult>;

export type DaggerArm = "dagger" | "bc";
export type DaggerPhase = "collect" | "label" | "train" | "evaluate";

export interface DaggerEvent {
  readonly round: number;
  readonly rounds: number;
  readonly arm: DaggerArm;
  readonly phase: DaggerPhase;
  /** Progress within the phase in [0, 1] (training: epochs). */
  readonly fraction: number;
  readonly message?: string;
}

export interface ArmRoundReport {
  readonly meanReturn: number;
  readonly normalizedReturn: number | null;
  readonly successRate: number | null;
  readonly totalLabels: number;
  readonly datasetSize: number;
  readonly statesLabeled: number;
  readonly statesAccepted: number;
  /** States whose labels did not agree (sent to review on the platform; dropped here). */
  readonly statesToReview: number;
  readonly meanAgreement: number;
  readonly beta: number;
  readonly rolloutEpisodes: number;
  readonly meanUncertaintyEval: number;
  readonly training: {
    readonly epochsRun: number;
    readonly stopReason: string;
    readonly bestValLoss: number | null;
    readonly trainMs: number;
    readonly samplesPerSec: number;
  };
}

export interface DaggerRoundReport {
  readonly round: number;
  /** Labels spent by the DAgger arm so far (the BC arm spends the same). */
  readonly totalLabels: number;
  readonly dagger: ArmRoundReport;
  readonly bc?: ArmRoundReport;
}

export interface DaggerReport {
  readonly env: string;
  readonly backend: string;
  readonly expertReturn: number;
  readonly randomReturn: number;
  readonly references: ReferenceReturns;
  readonly config: TDaggerConfig;
  readonly head: THeadConfig;
  readonly ensembleSize: number;
  readonly rounds: DaggerRoundReport[];
  readonly wallMs: number;
  /** The final DAgger policy blob. */
  readonly finalPolicy?: Uint8Array;
}

export interface DaggerHooks {
  readonly train: TrainFn;
  readonly onEvent?: (event: DaggerEvent) => void;
  readonly onRound?: (report: DaggerRoundReport) => void;
  /** Polled between phases; true stops the loop (the rounds done so far are returned). */
  readonly isCancelled?: () => boolean;
}

interface LabelledBatch {
  accepted: number;
  review: number;
  agreementSum: number;
}

/** Labels of one state, kept so that the arm's dataset can be re-aggregated (reliability re-estimates). */
interface LabelledState {
  readonly observation: number[];
  /** A camera env's images of the state (rendered once, when labelled), by camera name. */
  readonly images?: Record<string, Uint8Array>;
  readonly item: ReliabilityItem;
}

interface ArmLabeller {
  label(state: readonly number[], k: number, history?: readonly (readonly number[])[]): PersonLabel[];
  readonly labelsGiven: number;
}

/** States kept before each labelled state, for a ride-along labeller's reaction delay. */
const HISTORY_STEPS = 10;

/** Seed ranges, so data collection never reuses evaluation episodes. */
const EXPERT_SEEDS = 1_000;
const BC_EXPERT_SEEDS = 20_000;
const POLICY_SEEDS = 50_000;

export async function runDagger(input: TDaggerConfigInput, hooks: DaggerHooks): Promise<DaggerReport> {
  const t0 = performance.now();
  const config = ZDaggerConfig.parse(input);
  const spec = getEnvSpec(config.envId);
  if (!spec.hasExpert) throw new Error(`${config.envId} has no scripted expert`);
  const space = spec.actionSpace;
  const head = config.head ?? defaultHead(space);
  const ensembleSize = config.ensembleSize ?? (config.select === "uniform" ? 1 : 5);
  if (config.aggregation === "reliability" && config.labeller !== "people") {
    throw new Error('aggregation "reliability" needs labeller "people" (it estimates each person\'s accuracy)');
  }
  const multimodal = config.multimodalLabels ?? (head.kind === "mog" || head.kind === "autoregressive");
  const k = config.labelsPerState;
  const statesPerRound = Math.floor(config.labelsPerRound / k);
  if (statesPerRound < 1) throw new Error(`labelsPerRound (${config.labelsPerRound}) < labelsPerState (${k})`);
  const envOptions = config.envOptions ? { envOptions: config.envOptions } : {};
  const emit = (e: DaggerEvent): void => hooks.onEvent?.(e);
  const rng = mulberry32(subSeed(config.seed, 31));
  // A camera env (CarTrackPixels-v0) trains image policies: the env's cameras, the default ConvNet encoder.
  const vision = spec.cameras && spec.cameras.length > 0 ? ZVision.parse({ cameras: spec.cameras.map((c) => ({ name: c.name, shape: [...c.shape] })) }) : undefined;

  const references = measureReferences({ envId: config.envId, episodes: config.evalEpisodes, firstSeed: EVAL_FIRST_SEED, ...envOptions });
  const makeLabeller = (seed: number): ArmLabeller => {
    if (config.labeller === "people") {
      return createCrowd({ expert: createExpert(config.envId), space, size: config.crowd.size, noisyFraction: config.crowd.noisyFraction, seed });
    }
    const scripted = createNoisyLabeler({ expert: createExpert(config.envId), space, noise: config.labelNoise, seed });
    return {
      label: (state, k) => scripted.label(state, k).map((action, person) => ({ person, action })),
      get labelsGiven() {
        return scripted.labelsGiven;
      },
    };
  };
  if (config.labeller === "people" && k > config.crowd.size) throw new Error(`labelsPerState (${k}) > crowd size (${config.crowd.size})`);
  const labelers: Record<DaggerArm, ArmLabeller> = { dagger: makeLabeller(subSeed(config.seed, 1)), bc: makeLabeller(subSeed(config.seed, 2)) };
  const goldExpert: Expert = createExpert(config.envId);
  /** Gold answers of a state: the clean expert's, every side of a multimodal expert. */
  const goldAnswers = (state: readonly number[]): Action[] => {
    const sided = goldExpert as Expert & { setSide?: (side: -1 | 1) => void };
    if (typeof sided.setSide !== "function") return [goldExpert.act(state)];
    return ([-1, 1] as const).map((side) => {
      sided.setSide?.(side);
      return goldExpert.act(state);
    });
  };
  const histories = new WeakMap<RolloutStep, number[][]>();
  const recordHistory = (steps: readonly RolloutStep[]): void => {
    steps.forEach((step, i) => {
      histories.set(step, steps.slice(Math.max(0, i - HISTORY_STEPS), i).flatMap((s) => (s.state ? [s.state] : [])));
    });
  };
  const demoExpert: Expert = createExpert(config.envId);
  const seedCursor: Record<string, number> = { expert: EXPERT_SEEDS, bc: BC_EXPERT_SEEDS, policy: POLICY_SEEDS };

  /**
   * Demonstrations as one stream of expert episodes (seeds EXPERT_SEEDS, EXPERT_SEEDS+1, …): round 0
   * takes the first `statesPerRound` steps, each BC round the next ones — like a person who keeps
   * demonstrating.
   */
  const demoStream = { seed: EXPERT_SEEDS, buffer: [] as RolloutStep[], episodes: 0 };
  const takeDemo = (n: number): { steps: RolloutStep[]; episodes: number } => {
    const steps: RolloutStep[] = [];
    const before = demoStream.episodes;
    while (steps.length < n) {
      if (demoStream.buffer.length === 0) {
        const [tr] = rollout({ envId: config.envId, ...envOptions, expert: demoExpert, beta: 1, episodes: 1, firstSeed: demoStream.seed++ });
        demoStream.buffer = [...(tr as { steps: RolloutStep[] }).steps];
        recordHistory(demoStream.buffer);
        demoStream.episodes++;
      }
      steps.push(...demoStream.buffer.splice(0, n - steps.length));
    }
    return { steps, episodes: Math.max(demoStream.episodes - before, 1) };
  };

  /** Roll out (expert or policy), pool the visited steps, pick `statesPerRound` of them. */
  const collect = (arm: DaggerArm, round: number, policy: Policy | null, beta: number): { steps: RolloutStep[]; episodes: number } => {
    if (policy === null && config.demos === "episodes") return takeDemo(statesPerRound);
    const cursorKey = policy === null ? (arm === "bc" && round > 0 ? "bc" : "expert") : "policy";
    const firstSeed = seedCursor[cursorKey] as number;
    const trajectories = rollout({
      envId: config.envId,
      ...envOptions,
      ...(policy === null ? {} : { policy }),
      expert: demoExpert,
      beta: policy === null ? 1 : beta,
      episodes: config.maxRolloutEpisodes,
      firstSeed,
      seed: subSeed(config.seed, round, arm === "dagger" ? 1 : 2),
      maxTotalSteps: Math.max(statesPerRound * config.poolFactor, 1),
    });
    // Top up to the minimum number of episodes (cheap) for diversity of starts.
    let all = trajectories;
    if (all.length < config.minRolloutEpisodes) {
      all = all.concat(
        rollout({
          envId: config.envId,
          ...envOptions,
          ...(policy === null ? {} : { policy }),
          expert: demoExpert,
          beta: policy === null ? 1 : beta,
          episodes: config.minRolloutEpisodes - all.length,
          firstSeed: firstSeed + all.length,
          seed: subSeed(config.seed, round, arm === "dagger" ? 3 : 4),
        }).map((t) => ({ ...t, episode: t.episode + trajectories.length })),
      );
    }
    seedCursor[cursorKey] = firstSeed + all.length;
    const candidates: SelectionCandidate[] = [];
    const pool: RolloutStep[] = [];
    for (const tr of all) {
      recordHistory(tr.steps);
      const failed = tr.success === false;
      for (const step of tr.steps) {
        const risk = failed && step.t >= tr.length - config.riskHorizon ? 1 : 0;
        candidates.push({ trajectory: tr.episode, t: step.t, uncertainty: step.uncertainty, risk });
        pool.push(step);
      }
    }
    const strategy = policy === null ? "uniform" : config.select;
    const picked = selectStates(candidates, statesPerRound, strategy, rng);
    return { steps: picked.map((i) => pool[i] as RolloutStep), episodes: all.length };
  };

  /** Labels the states (people riding along see the states before each one: reaction delay). */
  const label = (arm: DaggerArm, steps: readonly RolloutStep[]): LabelledState[] =>
    steps.map((step) => {
      const state = step.state as number[];
      const labels = labelers[arm].label(state, k, config.labeller === "people" ? histories.get(step) : undefined);
      const gold = config.aggregation === "reliability" && rng() < config.goldFraction;
      const images = vision ? { images: observationImages(config.envId, state) } : {};
      return { observation: step.observation, ...images, item: gold ? { labels, gold: goldAnswers(state) } : { labels } };
    });

  const items: Record<DaggerArm, LabelledState[]> = { dagger: [], bc: [] };
  const data: Record<DaggerArm, { observations: number[][]; actions: Action[]; images: Record<string, Uint8Array>[] }> = {
    dagger: { observations: [], actions: [], images: [] },
    bc: { observations: [], actions: [], images: [] },
  };
  /**
   * Rebuilds the arm's dataset from every labelled state (reliability re-estimates the labellers'
   * accuracies from everything so far) and returns the newest `fresh` states' statistics.
   */
  const aggregate = (arm: DaggerArm, fresh: number): LabelledBatch => {
    const all = items[arm];
    const out: LabelledBatch = { accepted: 0, review: 0, agreementSum: 0 };
    const observations: number[][] = [];
    const actions: Action[] = [];
    const images: Record<string, Uint8Array>[] = [];
    const reliability = config.aggregation === "reliability" ? estimateReliability(all.map((s) => s.item), { space, multimodal }) : null;
    all.forEach((s, i) => {
      const given = s.item.labels.flatMap((l) => (l.action === null ? [] : [l.action]));
      let targets: Action[];
      let accepted: boolean;
      let agreement: number;
      if (reliability !== null) {
        const r = reliability.items[i] as (typeof reliability.items)[number];
        accepted = r.status === "accepted";
        targets = r.actions;
        agreement = r.confidence;
      } else if (config.aggregation === "all") {
        accepted = given.length > 0;
        targets = given;
        agreement = given.length / Math.max(1, s.item.labels.length);
      } else {
        const c = consensus(given, { space, multimodal });
        accepted = c.status === "accepted";
        targets = c.actions;
        agreement = c.agreement;
      }
      if (i >= all.length - fresh) {
        out.agreementSum += agreement;
        if (accepted) out.accepted++;
        else out.review++;
      }
      if (!accepted) return;
      for (const a of targets) {
        observations.push(s.observation);
        actions.push(a);
        if (s.images) images.push(s.images);
      }
    });
    data[arm] = { observations, actions, images };
    return out;
  };
  const blobs: Partial<Record<DaggerArm, Uint8Array>> = {};
  let backend = "";

  const trainArm = async (arm: DaggerArm, round: number): Promise<{ policy: Policy; result: TTrainResult }> => {
    const { observations, actions } = data[arm];
    if (observations.length < 2) throw new Error(`round ${round} (${arm}): fewer than 2 accepted labels to train on`);
    let dataset = makeDataset(observations, actions.map((a) => (typeof a === "number" ? a : Array.from(a))));
    if (vision) {
      // Fresh buffers each time: a worker trainer may take (transfer) them.
      const pixels = vision.cameras.map((cam) => {
        const size = imageSize(cam);
        const out = new Uint8Array(dataset.n * size);
        data[arm].images.forEach((im, i) => out.set(im[cam.name] as Uint8Array, i * size));
        return out;
      });
      dataset = { ...dataset, images: inMemoryImages(vision.cameras, pixels, dataset.n) };
    }
    const trainConfig: TTrainConfigInput = {
      actionSpace: space,
      ...(vision ? { vision } : {}),
      head,
      ...(config.network ? { network: config.network } : {}),
      ensembleSize,
      seed: subSeed(config.seed, round, arm === "dagger" ? 5 : 6),
      envId: config.envId,
      ...config.training,
    };
    const warm = config.warmStart ? blobs[arm] : undefined;
    const result = await hooks.train(dataset, trainConfig, {
      ...(warm === undefined ? {} : { warmStart: warm }),
      onProgress: (p) => emit({ round, rounds: config.rounds, arm, phase: "train", fraction: p.epoch / p.epochs, message: `epoch ${p.epoch} loss ${p.loss.toFixed(3)}${p.valLoss === null ? "" : ` val ${p.valLoss.toFixed(3)}`}` }),
    });
    backend = result.backend.detail;
    blobs[arm] = result.blob;
    return { policy: Policy.fromBlob(result.blob), result };
  };

  const evaluate = (arm: DaggerArm, round: number, policy: Policy): EvaluationSummary => {
    emit({ round, rounds: config.rounds, arm, phase: "evaluate", fraction: 0 });
    return evaluatePolicy(policy, { envId: config.envId, ...envOptions, episodes: config.evalEpisodes, firstSeed: EVAL_FIRST_SEED, references });
  };

  const armReport = (
    arm: DaggerArm,
    evalSummary: EvaluationSummary,
    batch: LabelledBatch,
    statesLabeled: number,
    beta: number,
    episodes: number,
    result: TTrainResult,
  ): ArmRoundReport => ({
    meanReturn: evalSummary.meanReturn,
    normalizedReturn: evalSummary.normalizedReturn,
    successRate: evalSummary.successRate,
    totalLabels: labelers[arm].labelsGiven,
    datasetSize: data[arm].observations.length,
    statesLabeled,
    statesAccepted: batch.accepted,
    statesToReview: batch.review,
    meanAgreement: statesLabeled === 0 ? 1 : batch.agreementSum / statesLabeled,
    beta,
    rolloutEpisodes: episodes,
    meanUncertaintyEval: evalSummary.meanUncertainty,
    training: {
      epochsRun: result.epochsRun,
      stopReason: result.stopReason,
      bestValLoss: result.bestValLoss,
      trainMs: result.timings.trainMs,
      samplesPerSec: result.samplesPerSec,
    },
  });

  const rounds: DaggerRoundReport[] = [];
  let current: Record<DaggerArm, Policy | null> = { dagger: null, bc: null };
  for (let round = 0; round < config.rounds; round++) {
    if (hooks.isCancelled?.()) break;
    if (round === 0) {
      emit({ round, rounds: config.rounds, arm: "dagger", phase: "collect", fraction: 0, message: "expert demonstrations" });
      const demo = collect("dagger", 0, null, 1);
      emit({ round, rounds: config.rounds, arm: "dagger", phase: "label", fraction: 0 });
      const labelled = label("dagger", demo.steps);
      // The BC arm starts from the very same demonstrations and labels.
      items.dagger.push(...labelled);
      items.bc.push(...labelled);
      const batch = aggregate("dagger", labelled.length);
      aggregate("bc", labelled.length);
      const { policy, result } = await trainArm("dagger", 0);
      blobs.bc = result.blob;
      current = { dagger: policy, bc: policy };
      const ev = evaluate("dagger", 0, policy);
      const rep = armReport("dagger", ev, batch, demo.steps.length, 1, demo.episodes, result);
      const report: DaggerRoundReport = {
        round,
        totalLabels: rep.totalLabels,
        dagger: rep,
        ...(config.compareBC ? { bc: rep } : {}),
      };
      rounds.push(report);
      hooks.onRound?.(report);
      continue;
    }
    const beta = betaForRound(config.beta, round);
    // DAgger arm: states the current policy visits.
    emit({ round, rounds: config.rounds, arm: "dagger", phase: "collect", fraction: 0, message: `β=${beta.toFixed(2)}` });
    const visited = collect("dagger", round, current.dagger, beta);
    emit({ round, rounds: config.rounds, arm: "dagger", phase: "label", fraction: 0 });
    const labelled = label("dagger", visited.steps);
    items.dagger.push(...labelled);
    const batch = aggregate("dagger", labelled.length);
    const d = await trainArm("dagger", round);
    current.dagger = d.policy;
    const dEval = evaluate("dagger", round, d.policy);
    const daggerRep = armReport("dagger", dEval, batch, visited.steps.length, beta, visited.episodes, d.result);

    let bcRep: ArmRoundReport | undefined;
    if (config.compareBC && !hooks.isCancelled?.()) {
      emit({ round, rounds: config.rounds, arm: "bc", phase: "collect", fraction: 0 });
      const demo = collect("bc", round, null, 1);
      emit({ round, rounds: config.rounds, arm: "bc", phase: "label", fraction: 0 });
      const bcLabelled = label("bc", demo.steps);
      items.bc.push(...bcLabelled);
      const bcBatch = aggregate("bc", bcLabelled.length);
      const b = await trainArm("bc", round);
      current.bc = b.policy;
      const bEval = evaluate("bc", round, b.policy);
      // The BC arm's labels include round 0's, which the DAgger labeller paid for.
      bcRep = { ...armReport("bc", bEval, bcBatch, demo.steps.length, 1, demo.episodes, b.result), totalLabels: labelers.bc.labelsGiven + (rounds[0]?.dagger.totalLabels ?? 0) };
    }
    const report: DaggerRoundReport = { round, totalLabels: daggerRep.totalLabels, dagger: daggerRep, ...(bcRep ? { bc: bcRep } : {}) };
    rounds.push(report);
    hooks.onRound?.(report);
  }
  return {
    env: config.envId,
    backend,
    expertReturn: references.expert,
    randomReturn: references.random,
    references,
    config,
    head,
    ensembleSize,
    rounds,
    wallMs: performance.now() - t0,
    ...(blobs.dagger ? { finalPolicy: blobs.dagger } : {}),
  };
}
