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
}

export const PREFETCH_POLICY: PrefetchPolicy = { minAhead: 3, maxAhead: 60, aheadSeconds: 3, maxBatch: 40 };

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
 * Labels per second, from the gaps between the last submits: an exponentially weighted mean of the gaps
 * (each gap capped, so a coffee break does not make the next minute look slow), and an initial guess of a
 * person's pace until there are gaps to go on.
 */
export class PaceMeter {
  private last: number | null = null;
  private meanGapMs: number;

  constructor(
    initialLabelsPerSecond = 1,
    private readonly weight = 0.3,
    private readonly maxGapMs = 10_000,
  ) {
    this.meanGapMs = 1000 / initialLabelsPerSecond;
  }

  /** A label was given at `nowMs`. */
  record(nowMs: number): void {
    if (this.last !== null) {
      const gap = Math.min(this.maxGapMs, Math.max(1, nowMs - this.last));
      this.meanGapMs += this.weight * (gap - this.meanGapMs);
    }
    this.last = nowMs;
  }

  get labelsPerSecond(): number {
    return 1000 / this.meanGapMs;
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
