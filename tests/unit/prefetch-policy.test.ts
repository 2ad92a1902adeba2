/**
 * The labelling page's pace-adaptive prefetch (app/_components/workspace/prefetch-policy.ts): how many states
 * it holds ahead at a measured pace, when it refills and by how much, and — simulated with the same functions
 * the page runs, on a clock — that a flat-out labeller never finds the queue empty after warm-up while a
 * person's pace holds no more leases than the three of old.
 */
import { describe, expect, it } from "vitest";
import { aheadTarget, claimCount, LatencyMeter, nextClaim, PaceMeter, PREFETCH_POLICY, type PrefetchPolicy } from "../../app/_components/workspace/prefetch-policy";

const P = PREFETCH_POLICY;

describe("aheadTarget", () => {
  it("holds the policy's seconds of labelling plus one claim's round trip, within the bounds", () => {
    expect(aheadTarget(0, 0)).toBe(P.minAhead);
    expect(aheadTarget(1, 50)).toBe(Math.max(P.minAhead, Math.ceil(1 * (P.aheadSeconds + 0.05))));
    expect(aheadTarget(8, 500)).toBe(Math.ceil(8 * (P.aheadSeconds + 0.5)));
    expect(aheadTarget(1000, 1000)).toBe(P.maxAhead);
  });
  it("treats nonsense measurements as no pace at all", () => {
    expect(aheadTarget(Number.NaN, 100)).toBe(P.minAhead);
    expect(aheadTarget(-3, Number.POSITIVE_INFINITY)).toBe(P.minAhead);
  });
  it("grows with the pace", () => {
    const targets = [0.5, 1, 2, 5, 10, 20].map((r) => aheadTarget(r, 200));
    for (let i = 1; i < targets.length; i++) expect(targets[i]!).toBeGreaterThanOrEqual(targets[i - 1]!);
  });
});

describe("claimCount", () => {
  it("claims nothing while half the target is still queued", () => {
    expect(claimCount(30, 60)).toBe(0);
    expect(claimCount(45, 60)).toBe(0);
  });
  it("refills up to the target in one batch once below half, at most maxBatch", () => {
    expect(claimCount(29, 60)).toBe(Math.min(P.maxBatch, 31));
    expect(claimCount(0, 200)).toBe(P.maxBatch);
    expect(claimCount(10, 30)).toBe(20);
  });
  it("keeps at least minAhead at any pace, one at a time like the old three-ahead queue", () => {
    expect(claimCount(2, P.minAhead)).toBe(1);
    expect(claimCount(0, P.minAhead)).toBe(P.minAhead);
    expect(claimCount(P.minAhead, P.minAhead)).toBe(0);
  });
  it("never asks for a negative count", () => {
    const policy: PrefetchPolicy = { minAhead: 1, maxAhead: 10, aheadSeconds: 1, maxBatch: 5, batchAbovePerSecond: 2 };
    expect(claimCount(50, 4, policy)).toBe(0);
  });
});

describe("nextClaim", () => {
  it("at a person's pace: one task at a time through tasks/next, also for an empty screen", () => {
    expect(nextClaim(false, 0, 1, 100)).toBe(1);
    expect(nextClaim(true, 0, 1.5, 100)).toBe(1);
    expect(nextClaim(true, P.minAhead, 1.5, 100)).toBe(0);
  });
  it("at a fast pace: one batch, and an empty screen gets the state to show and the ones after it", () => {
    const t = aheadTarget(10, 300);
    expect(nextClaim(true, 5, 10, 300)).toBe(claimCount(5, t));
    expect(nextClaim(true, t - 1, 10, 300)).toBe(0);
    expect(nextClaim(false, 0, 5, 0)).toBe(1 + aheadTarget(5, 0));
    expect(nextClaim(false, 0, 1000, 1000)).toBe(P.maxBatch);
  });
});

describe("PaceMeter", () => {
  it("converges on the labeller's pace and caps long pauses", () => {
    const m = new PaceMeter(1);
    let t = 0;
    for (let i = 0; i < 30; i++) m.record(50, (t += 50));
    expect(m.labelsPerSecond).toBeGreaterThan(18);
    expect(m.labelsPerSecond).toBeLessThan(21);
    m.record(3_600_000, (t += 3_600_000)); // an hour away counts as one capped look, not an hour
    expect(m.labelsPerSecond).toBeGreaterThan(1000 / 10_000);
  });
  it("counts only the time a state was on screen, not the wait for it", () => {
    const m = new PaceMeter(1);
    let t = 0;
    // Each label 40 ms after its state appeared, but each state took 500 ms to arrive.
    for (let i = 0; i < 30; i++) m.record(40, (t += 540));
    expect(m.labelsPerSecond).toBeGreaterThan(20);
  });
  it("reads slower while the labeller is idle", () => {
    const m = new PaceMeter(1);
    for (let t = 0; t <= 1000; t += 50) m.record(50, t);
    expect(m.rateAt(1000)).toBeCloseTo(m.labelsPerSecond, 9);
    expect(m.rateAt(1000 + 5_000)).toBeCloseTo(1 / 5, 9);
    expect(m.rateAt(1000 + 60_000)).toBeCloseTo(1 / 10, 9);
  });
  it("LatencyMeter takes the first answer in full, then smooths", () => {
    const l = new LatencyMeter(0.5);
    expect(l.ms).toBe(0);
    l.record(400);
    expect(l.ms).toBe(400);
    l.record(200);
    expect(l.ms).toBe(300);
  });
});

/**
 * A labeller pressing a key every `gapMs` (when a state is there), against a server answering every claim in
 * `claimMs`, with the page's own rules (`nextClaim`): one claim at a time, a refill after every label.
 */
function simulate(gapMs: number, claimMs: number, labels: number) {
  const pace = new PaceMeter();
  const latency = new LatencyMeter();
  let now = 0;
  let queued = 0; // ahead of the one on screen
  let onScreen = false;
  let inFlight = null as { at: number; count: number } | null; // `as`: set inside refill(), which narrowing does not see
  let waits = 0;
  let done = 0;
  let maxQueued = 0;
  let claims = 0;
  let shownAt = 0;
  const refill = () => {
    if (inFlight) return;
    const count = nextClaim(onScreen, queued, pace.labelsPerSecond, latency.ms);
    if (count === 0) return;
    inFlight = { at: now + claimMs, count };
    claims++;
  };
  const waitsAfter: number[] = [];
  refill();
  let nextKey = 0;
  while (done < labels) {
    // The next event: the claim's answer or the next key press, whichever comes first.
    if (inFlight && (inFlight.at <= nextKey || !onScreen)) {
      now = Math.max(now, inFlight.at);
      latency.record(claimMs);
      if (!onScreen) {
        // The state appears now; the labeller looks at it for one gap before the key.
        onScreen = true;
        queued += inFlight.count - 1;
        nextKey = now + gapMs;
        shownAt = now;
      } else queued += inFlight.count;
      inFlight = null;
      maxQueued = Math.max(maxQueued, queued);
      refill();
      continue;
    }
    now = Math.max(now, nextKey);
    if (!onScreen) throw new Error("unreachable");
    done++;
    pace.record(now - shownAt, now);
    shownAt = now;
    if (queued > 0) queued--;
    else {
      onScreen = false;
      waits++;
      waitsAfter.push(done);
    }
    refill();
    nextKey = now + gapMs;
  }
  return { waits, waitsAfter, maxQueued, claims };
}

describe("the policy over time (simulated clock)", () => {
  it("a flat-out labeller (30 labels/s, claims answered in 500 ms) never waits after warm-up", () => {
    const r = simulate(33, 500, 600);
    // Warm-up: the pace is not known yet for the first labels (it starts from a person's).
    expect(r.waitsAfter.filter((n) => n > 30)).toEqual([]);
    expect(r.waits).toBeLessThanOrEqual(5);
    expect(r.claims).toBeLessThan(600 / 10); // batches, not a claim per label
  });
  it("even with claims taking 1.5 s the queue outruns the labeller once the pace is known", () => {
    const r = simulate(40, 1500, 800);
    expect(r.waitsAfter.filter((n) => n > 60)).toEqual([]);
    expect(r.maxQueued).toBeLessThanOrEqual(P.maxAhead);
  });
  it("a person's pace (0.7 s per state) holds no more than a few states and never waits", () => {
    const r = simulate(700, 150, 100);
    expect(r.waits).toBe(0);
    expect(r.maxQueued).toBeLessThanOrEqual(P.minAhead + 1);
  });
});
