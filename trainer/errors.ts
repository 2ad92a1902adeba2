/** Errors the trainer's callers may want to tell apart. Browser-safe. */

/** Training stopped because the caller cancelled it (`isCancelled()`, a `cancel` message or an AbortSignal). */
export class TrainingCancelledError extends Error {
  constructor(readonly epochsRun: number) {
    super(`training cancelled after ${epochsRun} epoch(s)`);
    this.name = "TrainingCancelledError";
  }
}
