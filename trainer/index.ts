/**
 * The trainer's Node entry point (server, CLI, benchmarks). Browser code imports
 * `trainer/policy` (inference + blob loading) and, if it needs them, `trainer/rollout` /
 * `trainer/evaluate`, which are browser-safe too. See docs/TRAINER.md.
 */
export {
  WEBGPU_MIN_BATCH,
  currentBackend,
  loadBackend,
  probeWebGpu,
  readBackendEnv,
  selectBackend,
  type BackendInfo,
  type SelectBackendOptions,
} from "./backend";
export { trainPolicy, type TrainHooks } from "./train";
export { TrainingCancelledError } from "./errors";
export { TrainerWorker, type ReinforceJob, type ReinforceJobOptions, type TrainJob, type TrainJobOptions, type TrainerWorkerOptions } from "./worker/client";
export * from "../contracts/trainer-protocol";
export { concatDatasets, makeDataset, selectRows, type Dataset } from "./dataset";
export * from "./policy/index";
export * from "./policy/tfjs";
export { episodeSuccess, randomActingPolicy, rollout, type ActingPolicy, type RolloutOptions, type RolloutStep, type Trajectory } from "./rollout";
export {
  EVAL_FIRST_SEED,
  evaluatePolicy,
  measureReferences,
  normalizedReturn,
  specReferences,
  summarizeTrajectories,
  type EvaluateOptions,
  type EvaluationSummary,
  type ReferenceReturns,
} from "./evaluate";
export * from "./dagger/index";
export { QUICK_TRAINING } from "./dagger/presets";
export {
  checkReinforceable,
  createInitialPolicy,
  policyGradientLoss,
  reinforce,
  type ReinforceHooks,
  type ReinforceResult,
} from "./rl/reinforce";
export { rewardToGo, standardize, timeMeanBaseline } from "./rl/returns";
export { installWasmMatMulFix, uninstallWasmMatMulFix, isWasmMatMulFixInstalled } from "./kernels/wasm-matmul";
export { FastAdam, type AdamConfig } from "./optim/adam";
