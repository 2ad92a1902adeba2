/**
 * One DAgger run's state and the steps of one arm's round: label the selected states (simulated
 * labellers), aggregate, retrain, evaluate, report. Part of the loop (loop.ts), which composes them.
 */
import { createExpert, observationImages, type Action, type Expert, type Space } from "../../envs/index";
import { makeDataset } from "../dataset";
import { imageSize, inMemoryImages } from "../images";
import { EVAL_FIRST_SEED, evaluatePolicy, type EvaluationSummary, type ReferenceReturns } from "../evaluate";
import { Policy } from "../policy/policy";
import type { THeadConfig, TVision } from "../../contracts/policy-spec";
import { ZTrainConfig, type TTrainConfigInput, type TTrainResult } from "../../contracts/trainer-protocol";
import { subSeed, type Rng } from "../random";
import type { RolloutStep } from "../rollout";
import { aggregateLabels, type ArmData, type LabelledBatch, type LabelledState } from "./aggregate";
import type { StateCollector } from "./collect";
import { createNoisyLabeler } from "./labels";
import { createCrowd, type PersonLabel } from "./labeller-model";
import type { ArmRoundReport, DaggerArm, DaggerHooks, DaggerPhase, TDaggerConfig } from "./loop";

/** Who labels an arm's states: the scripted expert (with noise) or a crowd of people-like labellers. */
export interface ArmLabeller {
  label(state: readonly number[], k: number, history?: readonly (readonly number[])[]): PersonLabel[];
  readonly labelsGiven: number;
}

/** What one arm has: its labeller, every state it labelled, the dataset from them, its latest policy. */
export interface ArmState {
  readonly labeller: ArmLabeller;
  readonly items: LabelledState[];
  data: ArmData;
  blob?: Uint8Array;
  policy: Policy | null;
  /** Frees the latest policy's acting resources (tfjs models) when it is replaced. */
  release?: () => void;
}

/** One run's settings (derived from the config once) and state. */
export interface DaggerRun {
  readonly config: TDaggerConfig;
  readonly hooks: DaggerHooks;
  readonly space: Space;
  readonly head: THeadConfig;
  readonly ensembleSize: number;
  /** A camera env's cameras and encoder (image policies); undefined for state-only envs. */
  readonly vision: TVision | undefined;
  readonly multimodal: boolean;
  readonly statesPerRound: number;
  /** Selection and gold draws: one stream, so a seed's result depends on the order of the steps. */
  readonly rng: Rng;
  readonly references: ReferenceReturns;
  readonly arms: Record<DaggerArm, ArmState>;
  readonly collector: StateCollector;
  /** Gold answers of a state: the clean expert's, every side of a multimodal expert. */
  readonly goldAnswers: (state: readonly number[]) => Action[];
  /** The training backend, as the last training reported it. */
  backend: string;
}

export function createArmLabeller(config: TDaggerConfig, space: Space, seed: number): ArmLabeller {
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
}

/** Gold answers from a clean expert: every side of a multimodal one (`setSide`). */
export function goldAnswersOf(expert: Expert): (state: readonly number[]) => Action[] {
  return (state) => {
    const sided = expert as Expert & { setSide?: (side: -1 | 1) => void };
    if (typeof sided.setSide !== "function") return [expert.act(state)];
    return ([-1, 1] as const).map((side) => {
      sided.setSide?.(side);
      return expert.act(state);
    });
  };
}

export function emitPhase(run: DaggerRun, round: number, arm: DaggerArm, phase: DaggerPhase, message?: string): void {
  run.hooks.onEvent?.({ round, rounds: run.config.rounds, arm, phase, fraction: 0, ...(message === undefined ? {} : { message }) });
}

/** Labels the states (people riding along see the states before each one: reaction delay); some become gold. */
export function labelStates(run: DaggerRun, arm: DaggerArm, steps: readonly RolloutStep[]): LabelledState[] {
  const { config } = run;
  return steps.map((step) => {
    const state = step.state as number[];
    const labels = run.arms[arm].labeller.label(state, config.labelsPerState, config.labeller === "people" ? run.collector.history(step) : undefined);
    const gold = config.aggregation === "reliability" && run.rng() < config.goldFraction;
    const images = run.vision ? { images: observationImages(config.envId, state) } : {};
    return { observation: step.observation, ...images, item: gold ? { labels, gold: run.goldAnswers(state) } : { labels } };
  });
}

/** Adds labelled states to the arm and rebuilds its dataset; the statistics are the new states'. */
export function addLabels(run: DaggerRun, arm: DaggerArm, labelled: readonly LabelledState[]): LabelledBatch {
  const state = run.arms[arm];
  state.items.push(...labelled);
  const { data, batch } = aggregateLabels(state.items, labelled.length, { aggregation: run.config.aggregation, space: run.space, multimodal: run.multimodal });
  state.data = data;
  return batch;
}

/**
 * Epochs that give about `gradientSteps` optimiser steps on `n` samples (at least 1): the training
 * settings' `gradientSteps` turned into what the trainer counts. Same split as training/data.ts.
 */
export function epochsForSteps(n: number, gradientSteps: number, batchSize: number, validationSplit: number): { epochs: number; stepsPerEpoch: number } {
  let nVal = Math.floor(n * validationSplit);
  if (nVal < 1 || n - nVal < 1) nVal = 0;
  const stepsPerEpoch = Math.ceil((n - nVal) / Math.min(batchSize, n - nVal));
  return { epochs: Math.max(1, Math.ceil(gradientSteps / stepsPerEpoch)), stepsPerEpoch };
}

/** The trainer's settings for `n` samples: the run's, with `gradientSteps` turned into epochs. */
export function trainingSettings(training: TDaggerConfig["training"], n: number): { settings: Omit<TDaggerConfig["training"], "gradientSteps">; stepsPerEpoch: number } {
  const { gradientSteps, ...rest } = training;
  const batchSize = rest.batchSize ?? ZTrainConfig.shape.batchSize.parse(undefined);
  const validationSplit = rest.validationSplit ?? ZTrainConfig.shape.validationSplit.parse(undefined);
  if (gradientSteps === undefined) return { settings: rest, stepsPerEpoch: epochsForSteps(n, 1, batchSize, validationSplit).stepsPerEpoch };
  const { epochs, stepsPerEpoch } = epochsForSteps(n, gradientSteps, batchSize, validationSplit);
  return { settings: { ...rest, epochs }, stepsPerEpoch };
}

/** The arm's policy for this round and how it was evaluated: trained and evaluated, or taken from the checkpoint. */
export async function trainAndEvaluate(run: DaggerRun, arm: DaggerArm, round: number): Promise<{ policy: Policy; result: TTrainResult; evaluation: EvaluationSummary; restored: boolean }> {
  const stored = run.hooks.checkpoint?.load(round, arm);
  if (stored !== undefined) {
    const { policy } = await installPolicy(run, arm, stored.result);
    emitPhase(run, round, arm, "evaluate", "restored from the checkpoint");
    return { policy, result: stored.result, evaluation: stored.evaluation, restored: true };
  }
  const { policy, result } = await trainArm(run, arm, round);
  const evaluation = evaluateArm(run, arm, round, policy);
  return { policy, result, evaluation, restored: false };
}

/** Makes `result`'s policy the arm's current one (loaded for acting; the previous one is released). */
async function installPolicy(run: DaggerRun, arm: DaggerArm, result: TTrainResult): Promise<{ policy: Policy }> {
  const state = run.arms[arm];
  run.backend = result.backend.detail;
  state.blob = result.blob;
  state.release?.();
  const loaded = run.hooks.loadPolicy ? await run.hooks.loadPolicy(result.blob) : { policy: Policy.fromBlob(result.blob), dispose: () => undefined };
  state.policy = loaded.policy;
  state.release = loaded.dispose;
  return { policy: loaded.policy };
}

/** Trains the arm's policy on its dataset (from scratch, or from its last policy with `warmStart`). */
export async function trainArm(run: DaggerRun, arm: DaggerArm, round: number): Promise<{ policy: Policy; result: TTrainResult }> {
  const { config } = run;
  const state = run.arms[arm];
  const { observations, actions } = state.data;
  if (observations.length < 2) throw new Error(`round ${round} (${arm}): fewer than 2 accepted labels to train on`);
  const { settings } = trainingSettings(config.training, observations.length);
  let dataset = makeDataset(observations, actions.map((a) => (typeof a === "number" ? a : Array.from(a))));
  const { vision } = run;
  if (vision) {
    // Fresh buffers each time: a worker trainer may take (transfer) them.
    const pixels = vision.cameras.map((cam) => {
      const size = imageSize(cam);
      const out = new Uint8Array(dataset.n * size);
      state.data.images.forEach((im, i) => out.set(im[cam.name] as Uint8Array, i * size));
      return out;
    });
    dataset = { ...dataset, images: inMemoryImages(vision.cameras, pixels, dataset.n) };
  }
  const trainConfig: TTrainConfigInput = {
    actionSpace: run.space,
    ...(vision ? { vision } : {}),
    head: run.head,
    ...(config.network ? { network: config.network } : {}),
    ensembleSize: run.ensembleSize,
    seed: subSeed(config.seed, round, arm === "dagger" ? 5 : 6),
    envId: config.envId,
    ...settings,
  };
  const warm = config.warmStart ? state.blob : undefined;
  const result = await run.hooks.train(dataset, trainConfig, {
    ...(warm === undefined ? {} : { warmStart: warm }),
    onProgress: (p) =>
      run.hooks.onEvent?.({ round, rounds: config.rounds, arm, phase: "train", fraction: p.epoch / p.epochs, message: `epoch ${p.epoch} loss ${p.loss.toFixed(3)}${p.valLoss === null ? "" : ` val ${p.valLoss.toFixed(3)}`}` }),
  });
  const { policy } = await installPolicy(run, arm, result);
  return { policy, result };
}

/** Returns of the policy on the held-out evaluation seeds, normalised with the references. */
export function evaluateArm(run: DaggerRun, arm: DaggerArm, round: number, policy: Policy): EvaluationSummary {
  const { config } = run;
  emitPhase(run, round, arm, "evaluate");
  return evaluatePolicy(policy, {
    envId: config.envId,
    ...(config.envOptions ? { envOptions: config.envOptions } : {}),
    episodes: config.evalEpisodes,
    firstSeed: EVAL_FIRST_SEED,
    references: run.references,
  });
}

export interface ArmRoundFacts {
  readonly evaluation: EvaluationSummary;
  readonly batch: LabelledBatch;
  readonly statesLabeled: number;
  readonly beta: number;
  readonly episodes: number;
  readonly result: TTrainResult;
  /** Wall time of the arm's round (collect, label, train, evaluate), ms. */
  readonly wallMs: number;
}

/** The arm's line of the round's report. */
export function armReport(run: DaggerRun, arm: DaggerArm, { evaluation, batch, statesLabeled, beta, episodes, result, wallMs }: ArmRoundFacts): ArmRoundReport {
  const { stepsPerEpoch } = trainingSettings(run.config.training, run.arms[arm].data.observations.length);
  return {
    meanReturn: evaluation.meanReturn,
    normalizedReturn: evaluation.normalizedReturn,
    successRate: evaluation.successRate,
    totalLabels: run.arms[arm].labeller.labelsGiven,
    datasetSize: run.arms[arm].data.observations.length,
    statesLabeled,
    statesAccepted: batch.accepted,
    statesToReview: batch.review,
    meanAgreement: statesLabeled === 0 ? 1 : batch.agreementSum / statesLabeled,
    beta,
    rolloutEpisodes: episodes,
    meanUncertaintyEval: evaluation.meanUncertainty,
    training: {
      epochsRun: result.epochsRun,
      stopReason: result.stopReason,
      bestValLoss: result.bestValLoss,
      trainMs: result.timings.trainMs,
      samplesPerSec: result.samplesPerSec,
      gradientSteps: result.epochsRun * stepsPerEpoch,
    },
    wallMs,
  };
}
