/**
 * Training settings used by `npm run bench:dagger` (and available to callers that want a quick loop):
 * chosen so that a 10-round DAgger + BC run on CarTrack-v0 trains in well under a minute on 2 cores.
 * Measured effect: see docs/TRAINER.md.
 */
export const QUICK_TRAINING = {
  epochs: 100,
  patience: 10,
  batchSize: 256,
  learningRate: 2e-3,
  /** Safety cap per training run; normally early stopping ends it first. */
  maxTrainMs: 8_000,
} as const;
