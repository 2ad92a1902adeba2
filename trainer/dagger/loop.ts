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
import { createExpert, getEnvSpec, type Action, type Expert } from "../../envs/index";
import { makeDataset, type Dataset } from "../dataset";
import { EVAL_FIRST_SEED, evaluatePolicy, measureReferences, type EvaluationSummary, type ReferenceReturns } from "../evaluate";
import { Policy } from "../policy/policy";
import { ZHeadConfig, ZNetworkConfig, defaultHead, type THeadConfig } from "../policy/spec";
import type { TTrainConfigInput, TTrainProgress, TTrainResult } from "../protocol";
import { mulberry32, subSeed } from "../random";
import { rollout, type RolloutStep } from "../rollout";
import { ZBetaSchedule, betaForRound } from "./beta";
import { consensus, createNoisyLabeler, type NoisyLabeler } from "./labels";
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
  select: z.enum(["uniform", "uncertainty"]).default("uniform"),
  head: ZHeadConfig.optional(),
  network: ZNetworkConfig.optional(),
  /** Default: 5 with uncertainty selection (needs an ensemble), else 1. */
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
  observations: number[][];
  actions: Action[];
  accepted: number;
  review: number;
  agreementSum: number;
}

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
  const ensembleSize = config.ensembleSize ?? (config.select === "uncertainty" ? 5 : 1);
  const multimodal = config.multimodalLabels ?? (head.kind === "mog" || head.kind === "autoregressive");
  const k = config.labelsPerState;
  const statesPerRound = Math.floor(config.labelsPerRound / k);
  if (statesPerRound < 1) throw new Error(`labelsPerRound (${config.labelsPerRound}) < labelsPerState (${k})`);
  const envOptions = config.envOptions ? { envOptions: config.envOptions } : {};
  const emit = (e: DaggerEvent): void => hooks.onEvent?.(e);
  const rng = mulberry32(subSeed(config.seed, 31));

  const references = measureReferences({ envId: config.envId, episodes: config.evalEpisodes, firstSeed: EVAL_FIRST_SEED, ...envOptions });
  const labelers: Record<DaggerArm, NoisyLabeler> = {
    dagger: createNoisyLabeler({ expert: createExpert(config.envId), space, noise: config.labelNoise, seed: subSeed(config.seed, 1) }),
    bc: createNoisyLabeler({ expert: createExpert(config.envId), space, noise: config.labelNoise, seed: subSeed(config.seed, 2) }),
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
      for (const step of tr.steps) {
        candidates.push({ trajectory: tr.episode, t: step.t, uncertainty: step.uncertainty });
        pool.push(step);
      }
    }
    const strategy = policy === null ? "uniform" : config.select;
    const picked = selectStates(candidates, statesPerRound, strategy, rng);
    return { steps: picked.map((i) => pool[i] as RolloutStep), episodes: all.length };
  };

  const label = (arm: DaggerArm, steps: readonly RolloutStep[]): LabelledBatch => {
    const out: LabelledBatch = { observations: [], actions: [], accepted: 0, review: 0, agreementSum: 0 };
    for (const step of steps) {
      const labels = labelers[arm].label(step.state as number[], k);
      const c = consensus(labels, { space, multimodal });
      out.agreementSum += c.agreement;
      if (c.status === "review") {
        out.review++;
        continue;
      }
      out.accepted++;
      for (const a of c.actions) {
        out.observations.push(step.observation);
        out.actions.push(a);
      }
    }
    return out;
  };

  const data: Record<DaggerArm, { observations: number[][]; actions: Action[] }> = {
    dagger: { observations: [], actions: [] },
    bc: { observations: [], actions: [] },
  };
  const blobs: Partial<Record<DaggerArm, Uint8Array>> = {};
  let backend = "";

  const trainArm = async (arm: DaggerArm, round: number): Promise<{ policy: Policy; result: TTrainResult }> => {
    const { observations, actions } = data[arm];
    if (observations.length < 2) throw new Error(`round ${round} (${arm}): fewer than 2 accepted labels to train on`);
    const dataset = makeDataset(observations, actions.map((a) => (typeof a === "number" ? a : Array.from(a))));
    const trainConfig: TTrainConfigInput = {
      actionSpace: space,
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
      const batch = label("dagger", demo.steps);
      data.dagger.observations.push(...batch.observations);
      data.dagger.actions.push(...batch.actions);
      // The BC arm starts from the very same demonstrations and labels.
      data.bc.observations.push(...batch.observations);
      data.bc.actions.push(...batch.actions);
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
    const batch = label("dagger", visited.steps);
    data.dagger.observations.push(...batch.observations);
    data.dagger.actions.push(...batch.actions);
    const d = await trainArm("dagger", round);
    current.dagger = d.policy;
    const dEval = evaluate("dagger", round, d.policy);
    const daggerRep = armReport("dagger", dEval, batch, visited.steps.length, beta, visited.episodes, d.result);

    let bcRep: ArmRoundReport | undefined;
    if (config.compareBC && !hooks.isCancelled?.()) {
      emit({ round, rounds: config.rounds, arm: "bc", phase: "collect", fraction: 0 });
      const demo = collect("bc", round, null, 1);
      emit({ round, rounds: config.rounds, arm: "bc", phase: "label", fraction: 0 });
      const bcBatch = label("bc", demo.steps);
      data.bc.observations.push(...bcBatch.observations);
      data.bc.actions.push(...bcBatch.actions);
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
