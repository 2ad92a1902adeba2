/** The headless DAgger loop and its parts. See loop.ts. */
export { runDagger, MAX_DEMO_SEED, ZDaggerConfig } from "./loop";
export type {
  ArmRoundReport,
  DaggerArm,
  DaggerCheckpoint,
  DaggerCheckpointEntry,
  DaggerEvent,
  DaggerHooks,
  DaggerPhase,
  DaggerReport,
  DaggerRoundReport,
  LoadedPolicy,
  TDaggerConfig,
  TDaggerConfigInput,
  TrainFn,
} from "./loop";
export { ZBetaSchedule, betaAt, betaForRound, parseBetaSchedule, type TBetaSchedule } from "./beta";
export { consensus, createNoisyLabeler, randomAction } from "./labels";
export type { ConsensusOptions, ConsensusResult, NoisyLabeler, NoisyLabelerOptions } from "./labels";
export { selectStates, type SelectionCandidate, type SelectionStrategy } from "./select";
export { CAREFUL_PERSON, NOISY_PERSON, createCrowd } from "./labeller-model";
export type { Crowd, CrowdOptions, CrowdPersonTemplate, PersonLabel, PersonParams } from "./labeller-model";
export { estimateReliability } from "./reliability";
export type { AggregatedItem, ReliabilityItem, ReliabilityOptions, ReliabilityResult } from "./reliability";
export { meanCi95, type MeanCi } from "./summary";
