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
 * The steps live beside this file: collect.ts (roll out, select states), arm.ts (label with the simulated
 * labellers, aggregate — aggregate.ts —, retrain, evaluate, report); this file composes them into rounds.
 *
 * Training is injected (`hooks.train`) so the CLI can use the worker and tests can train in-process.
 * Browser-safe apart from what the injected trainer does.
 */
import { z } from "zod";
import { createExpert, getEnvSpec } from "../../envs/index";
import type { Dataset } from "../dataset";
import { EVAL_FIRST_SEED, measureReferences, type EvaluationSummary, type ReferenceReturns } from "../evaluate";
import type { Policy } from "../policy/policy";
import { ZHeadConfig, ZNetworkConfig, ZVision, type THeadConfig } from "../../contracts/policy-spec";
import { defaultHead } from "../policy/spec";
import type { TTrainConfigInput, TTrainProgress, TTrainResult } from "../../contracts/trainer-protocol";
import { mulberry32, subSeed } from "../random";
import { addLabels, armReport, createArmLabeller, emitPhase, goldAnswersOf, labelStates, trainAndEvaluate, type ArmState, type DaggerRun } from "./arm";
import { ZBetaSchedule, betaForRound } from "./beta";
import { createStateCollector } from "./collect";

/** The largest `demoSeed`: demonstration episodes stay clear of the policy rollouts' and evaluations' seeds. */
export const MAX_DEMO_SEED = 10_000;

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
  /**
   * The episode seed the demonstrations start from (default 1,000 for every run): with `episodes`, the stream
   * of expert episodes round 0 and the BC arm take; with `states`, round 0's pool (the BC arm's pools move by
   * the same offset). A different value per run seed varies the demonstrations across seeds too. ≤ 10,000,
   * clear of the policy rollouts' (50,000…) and the evaluations' (100,000…) seeds.
   */
  demoSeed: z.number().int().min(0).max(MAX_DEMO_SEED).optional(),
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
      /**
       * Optimiser steps per training instead of a fixed number of epochs: each round's epochs are set
       * so that it runs about this many batches (early stopping may end it sooner). Keeps a round's
       * training cost flat while the dataset grows; with `warmStart` the steps add up across rounds.
       */
      gradientSteps: z.number().int().min(1).optional(),
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
    /** Optimiser steps taken (epochs × batches per epoch). */
    readonly gradientSteps: number;
  };
  /** Wall time of this arm's round: collect, label, train, evaluate (for a restored round: when it ran). */
  readonly wallMs: number;
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

/** What a checkpoint keeps of one arm's round: enough to skip its training and evaluation on a rerun. */
export interface DaggerCheckpointEntry {
  /** The training result, with the policy blob. */
  readonly result: TTrainResult;
  readonly evaluation: EvaluationSummary;
  /** Wall time of the arm's round when it ran, ms. */
  readonly wallMs: number;
}

/**
 * Where a run keeps its finished (round, arm)s. A resumed run replays the loop from round 0 — rollouts,
 * selection and labelling are deterministic per seed and cheap next to training — and takes each stored
 * round's policy and evaluation instead of training and evaluating again, so it reaches the first
 * missing round in exactly the state an uninterrupted run had.
 */
export interface DaggerCheckpoint {
  load(round: number, arm: DaggerArm): DaggerCheckpointEntry | undefined;
  save(round: number, arm: DaggerArm, entry: DaggerCheckpointEntry): void;
}

/** A policy loaded for acting, and how to free it when it is replaced. */
export interface LoadedPolicy {
  readonly policy: Policy;
  dispose(): void;
}

export interface DaggerHooks {
  readonly train: TrainFn;
  /**
   * Loads a trained policy for rollouts and evaluation (default: `Policy.fromBlob`, plain JS). The CLI
   * runs image encoders on the tfjs wasm backend (policy/tf-acting.ts).
   */
  readonly loadPolicy?: (blob: Uint8Array) => Promise<LoadedPolicy>;
  readonly checkpoint?: DaggerCheckpoint;
  readonly onEvent?: (event: DaggerEvent) => void;
  readonly onRound?: (report: DaggerRoundReport) => void;
  /** Polled between phases; true stops the loop (the rounds done so far are returned). */
  readonly isCancelled?: () => boolean;
}

/**
 * Runs the loop: round 0 learns from demonstrations, every later round runs the DAgger arm (and the BC
 * arm), each round is reported as it ends.
 */
export async function runDagger(input: TDaggerConfigInput, hooks: DaggerHooks): Promise<DaggerReport> {
  const t0 = performance.now();
  const run = startRun(ZDaggerConfig.parse(input), hooks);
  const rounds: DaggerRoundReport[] = [];
  try {
    for (let round = 0; round < run.config.rounds; round++) {
      if (hooks.isCancelled?.()) break;
      const report = round === 0 ? await demonstrationRound(run) : await daggerRound(run, round, rounds[0]);
      rounds.push(report);
      hooks.onRound?.(report);
    }
  } finally {
    run.arms.dagger.release?.();
    run.arms.bc.release?.();
  }
  return {
    env: run.config.envId,
    backend: run.backend,
    expertReturn: run.references.expert,
    randomReturn: run.references.random,
    references: run.references,
    config: run.config,
    head: run.head,
    ensembleSize: run.ensembleSize,
    rounds,
    wallMs: performance.now() - t0,
    ...(run.arms.dagger.blob ? { finalPolicy: run.arms.dagger.blob } : {}),
  };
}

/** Checks the config, measures the reference returns, and sets up the labellers and the collector. */
function startRun(config: TDaggerConfig, hooks: DaggerHooks): DaggerRun {
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
  const rng = mulberry32(subSeed(config.seed, 31));
  const envOptions = config.envOptions ? { envOptions: config.envOptions } : {};
  // A camera env (CarTrackPixels-v0) trains image policies: the env's cameras, the default ConvNet encoder.
  const vision = spec.cameras && spec.cameras.length > 0 ? ZVision.parse({ cameras: spec.cameras.map((c) => ({ name: c.name, shape: [...c.shape] })) }) : undefined;
  const references = measureReferences({ envId: config.envId, episodes: config.evalEpisodes, firstSeed: EVAL_FIRST_SEED, ...envOptions });
  if (config.labeller === "people" && k > config.crowd.size) throw new Error(`labelsPerState (${k}) > crowd size (${config.crowd.size})`);
  const arm = (labellerSeed: number): ArmState => ({ labeller: createArmLabeller(config, space, labellerSeed), items: [], data: { observations: [], actions: [], images: [] }, policy: null });
  const arms = { dagger: arm(subSeed(config.seed, 1)), bc: arm(subSeed(config.seed, 2)) };
  const goldAnswers = goldAnswersOf(createExpert(config.envId));
  const collector = createStateCollector({ config, statesPerRound, expert: createExpert(config.envId), rng });
  return { config, hooks, space, head, ensembleSize, vision, multimodal, statesPerRound, rng, references, arms, collector, goldAnswers, backend: "" };
}

/** Round 0: label expert demonstrations and train π₀ (behaviour cloning) — the start of both arms. */
async function demonstrationRound(run: DaggerRun): Promise<DaggerRoundReport> {
  const t0 = performance.now();
  emitPhase(run, 0, "dagger", "collect", "expert demonstrations");
  const demo = run.collector.collect("dagger", 0, null, 1);
  emitPhase(run, 0, "dagger", "label");
  const labelled = labelStates(run, "dagger", demo.steps);
  // The BC arm starts from the very same demonstrations and labels.
  const batch = addLabels(run, "dagger", labelled);
  addLabels(run, "bc", labelled);
  const { policy, result, evaluation, restored } = await trainAndEvaluate(run, "dagger", 0);
  // The BC arm continues from π₀ too (its blob, for warm starts); it never acts with it.
  run.arms.bc.blob = result.blob;
  run.arms.bc.policy = policy;
  const stored = restored ? run.hooks.checkpoint?.load(0, "dagger") : undefined;
  const wallMs = stored?.wallMs ?? performance.now() - t0;
  if (!restored) run.hooks.checkpoint?.save(0, "dagger", { result, evaluation, wallMs });
  const rep = armReport(run, "dagger", { evaluation, batch, statesLabeled: demo.steps.length, beta: 1, episodes: demo.episodes, result, wallMs });
  return { round: 0, totalLabels: rep.totalLabels, dagger: rep, ...(run.config.compareBC ? { bc: rep } : {}) };
}

/** Round r ≥ 1: the DAgger arm, then (unless cancelled meanwhile) the BC arm with the same label budget. */
async function daggerRound(run: DaggerRun, round: number, first: DaggerRoundReport | undefined): Promise<DaggerRoundReport> {
  const beta = betaForRound(run.config.beta, round);
  const daggerRep = await armRound(run, "dagger", round, beta);
  let bcRep: ArmRoundReport | undefined;
  if (run.config.compareBC && !run.hooks.isCancelled?.()) {
    const rep = await armRound(run, "bc", round, 1);
    // The BC arm's labels include round 0's, which the DAgger labeller paid for.
    bcRep = { ...rep, totalLabels: run.arms.bc.labeller.labelsGiven + (first?.dagger.totalLabels ?? 0) };
  }
  return { round, totalLabels: daggerRep.totalLabels, dagger: daggerRep, ...(bcRep ? { bc: bcRep } : {}) };
}

/**
 * One arm's round: collect states (DAgger: the current policy β-mixed with the expert; BC: fresh expert
 * demonstrations), label them, aggregate, retrain, evaluate.
 */
async function armRound(run: DaggerRun, arm: DaggerArm, round: number, beta: number): Promise<ArmRoundReport> {
  const t0 = performance.now();
  emitPhase(run, round, arm, "collect", arm === "dagger" ? `β=${beta.toFixed(2)}` : undefined);
  const visited = run.collector.collect(arm, round, arm === "dagger" ? run.arms.dagger.policy : null, beta);
  emitPhase(run, round, arm, "label");
  const batch = addLabels(run, arm, labelStates(run, arm, visited.steps));
  const { result, evaluation, restored } = await trainAndEvaluate(run, arm, round);
  const stored = restored ? run.hooks.checkpoint?.load(round, arm) : undefined;
  const wallMs = stored?.wallMs ?? performance.now() - t0;
  if (!restored) run.hooks.checkpoint?.save(round, arm, { result, evaluation, wallMs });
  return armReport(run, arm, { evaluation, batch, statesLabeled: visited.steps.length, beta, episodes: visited.episodes, result, wallMs });
}
