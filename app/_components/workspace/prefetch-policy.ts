/**
 * How many states the single-state labeller holds claimed ahead of the one on screen, decided from the
 * labeller's pace, so the next state is always already in the browser when a key is pressed.
 *
 * Three claimed ahead was enough for a person looking ~0.7 s at each state, but a flat-out keyboard labeller
 * (20–40 labels/s) emptied it at once and then waited for every claim: key → next state 510 ms median in
 * `bench:ui`. So the queue keeps `aheadSeconds` of states at the measured pace (plus one claim's round trip),
 * bounded so that a slow labeller does not sit on leases others could use, and refills in one batched claim
 * when it is down to half of that — before it runs dry, not after.
 *
 * Pure functions and a small meter, so they are unit-tested without a browser.
 */

export interface PrefetchPolicy {
  /** Never fewer held ahead than this (a person at any pace). */
  minAhead: number;
  /** Never more held ahead than this: leases others cannot take meanwhile. */
  maxAhead: number;
  /** Seconds of labelling at the measured pace to hold ahead. */
  aheadSeconds: number;
  /** Most tasks asked for in one claim. */
  maxBatch: number;
  /** Faster than this (labels/s) the queue refills in batches; slower, one task at a time as it always did. */
  batchAbovePerSecond: number;
}

/**
 * 100 ahead at most: a flat-out labeller (25–40 labels/s in `bench:ui`) with claims answered in up to 1.5 s on a
 * loaded server needs ~2 s of runway when the refill starts, i.e. 50–80 states. A person (≤ 2 labels/s) holds 3–7.
 */
export const PREFETCH_POLICY: PrefetchPolicy = { minAhead: 3, maxAhead: 100, aheadSeconds: 3, maxBatch: 100, batchAbovePerSecond: 2 };

/** How many states to hold ahead at `labelsPerSecond`, with claims taking `claimMs` to answer. */
export function aheadTarget(labelsPerSecond: number, claimMs: number, policy: PrefetchPolicy = PREFETCH_POLICY): number {
  const rate = Number.isFinite(labelsPerSecond) && labelsPerSecond > 0 ? labelsPerSecond : 0;
  const wait = Math.max(0, Number.isFinite(claimMs) ? claimMs : 0) / 1000;
  const want = Math.ceil(rate * (policy.aheadSeconds + wait));
  return Math.max(policy.minAhead, Math.min(policy.maxAhead, want));
}

/**
 * How many tasks to claim now with `queued` held ahead and `target` wanted: 0 while at least half the target
 * is still queued (one batch refills it, rather than a claim per label), else up to the target in one batch.
 * Below `minAhead` it always claims, so a person's three-ahead queue behaves as before.
 */
export function claimCount(queued: number, target: number, policy: PrefetchPolicy = PREFETCH_POLICY): number {
  const lowWater = Math.max(policy.minAhead, Math.ceil(target / 2));
  if (queued >= lowWater && queued >= policy.minAhead) return 0;
  return Math.max(0, Math.min(policy.maxBatch, target - queued));
}

/**
 * What to claim now, with `queued` held ahead of the state on screen (if any), at `labelsPerSecond` with claims
 * answered in `claimMs`: 0 for nothing, 1 for one task through `tasks/next`, more for one batched claim. At a
 * person's pace the queue tops up one task at a time, as it always did; faster, in batches, and an empty screen
 * (the labeller outran the queue) is refilled with the state to show *and* the ones after it.
 */
export function nextClaim(onScreen: boolean, queued: number, labelsPerSecond: number, claimMs: number, policy: PrefetchPolicy = PREFETCH_POLICY): number {
  const target = aheadTarget(labelsPerSecond, claimMs, policy);
  const batched = labelsPerSecond > policy.batchAbovePerSecond;
  if (!onScreen) return batched ? Math.min(policy.maxBatch, 1 + claimCount(0, target, policy)) : 1;
  const want = claimCount(queued, target, policy);
  return want === 0 || batched ? want : 1;
}

/**
 * The labeller's own pace: how long each state was on screen before its label, as an exponentially weighted
 * mean (each capped, so a coffee break does not make the next minute look slow), starting from a person's pace
 * until there are labels to go on. Time spent looking at an empty screen is the server's, not the labeller's,
 * and is left out — measured label to label, a labeller stuck waiting for one-at-a-time claims would look slow
 * and never be given a batch.
 */
export class PaceMeter {
  private lastAt: number | null = null;
  private meanMs: number;

  constructor(
    initialLabelsPerSecond = 1,
    /** Half the weight on the newest look: a labeller who speeds up is given batches within two or three labels. */
    private readonly weight = 0.5,
    private readonly maxMs = 10_000,
  ) {
    this.meanMs = 1000 / initialLabelsPerSecond;
  }

  /** A label given at `nowMs` for a state that had been on screen for `lookedMs`. */
  record(lookedMs: number, nowMs: number): void {
    const ms = Math.min(this.maxMs, Math.max(1, Number.isFinite(lookedMs) ? lookedMs : this.maxMs));
    this.meanMs += this.weight * (ms - this.meanMs);
    this.lastAt = nowMs;
  }

  get labelsPerSecond(): number {
    return 1000 / this.meanMs;
  }

  /** The pace at `nowMs`: slower once the labeller has been idle for longer than a usual look. */
  rateAt(nowMs: number): number {
    const idle = this.lastAt === null ? 0 : Math.min(this.maxMs, nowMs - this.lastAt);
    return 1000 / Math.max(this.meanMs, idle);
  }
}

/** Claim round-trip times, smoothed the same way (the first answer counts in full). */
export class LatencyMeter {
  private mean: number | null = null;
  constructor(private readonly weight = 0.3) {}
  record(ms: number): void {
    this.mean = this.mean === null ? ms : this.mean + this.weight * (ms - this.mean);
  }
  get ms(): number {
    return this.mean ?? 0;
  }
}
