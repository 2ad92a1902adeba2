/**
 * CarTrack-v0: track geometry, the windowed range finders against a brute-force reference, lap
 * accounting, leaving the road, and the property the env exists for — behaviour cloning on expert
 * states compounds its errors, DAgger's labels on the learner's own states fix it.
 */
import { describe, expect, it } from "vitest";
import { CAR, RAY_ANGLES } from "../../envs/cartrack/car";
import { HALF_WIDTH, NUM_TRACKS, RAY_RANGE, getTrack } from "../../envs/cartrack/track";
import type { Track } from "../../envs/cartrack/track";
import { Prng, createEnv, createExpert } from "../../envs/index";

/** Nearest hit of the ray (x, y, angle) against every edge segment of the track (no window, no culling). */
function bruteForceRay(track: Track, x: number, y: number, angle: number): number {
  const rx = Math.cos(angle);
  const ry = Math.sin(angle);
  let best = RAY_RANGE;
  for (const [xs, ys] of [
    [track.lx, track.ly],
    [track.rx, track.ry],
  ] as const) {
    for (let i = 0; i < track.n; i++) {
      const j = (i + 1) % track.n;
      const ax = xs[i]! - x;
      const ay = ys[i]! - y;
      const ex = xs[j]! - xs[i]!;
      const ey = ys[j]! - ys[i]!;
      const denom = rx * ey - ry * ex;
      if (Math.abs(denom) < 1e-12) continue;
      const t = (ax * ey - ay * ex) / denom;
      const u = (ax * ry - ay * rx) / denom;
      if (t >= 0 && u >= 0 && u <= 1 && t < best) best = t;
    }
  }
  return best;
}

describe("CarTrack tracks", () => {
  it.each(Array.from({ length: NUM_TRACKS }, (_, i) => i))("track %i is a smooth closed loop", (i) => {
    const track = getTrack(i);
    expect(track.minRadius).toBeGreaterThanOrEqual(15);
    expect(track.length).toBeGreaterThan(250);
    expect(track.length).toBeLessThan(500);
    const last = track.n - 1;
    const closing = Math.hypot(track.cx[0]! - track.cx[last]!, track.cy[0]! - track.cy[last]!);
    expect(closing).toBeCloseTo(track.segLength[last]!, 9);
    expect(track.pointAt(track.length + 1).x).toBeCloseTo(track.pointAt(1).x, 9);
  });

  it("gives the same track for the same index (seeded) and different shapes for different indices", () => {
    expect(getTrack(3)).toBe(getTrack(3));
    const lengths = new Set(Array.from({ length: NUM_TRACKS }, (_, i) => getTrack(i).length.toFixed(3)));
    expect(lengths.size).toBe(NUM_TRACKS);
    expect(() => getTrack(NUM_TRACKS)).toThrow(/track must be an integer/);
  });

  it("windowed range finders match a brute-force cast over every edge segment", () => {
    const rng = new Prng(17);
    const out = new Float64Array(RAY_ANGLES.length);
    let checked = 0;
    for (let k = 0; k < 400; k++) {
      const track = getTrack(k % NUM_TRACKS);
      const s = rng.uniform(0, track.length);
      const p = track.pointAt(s);
      const offset = rng.uniform(-HALF_WIDTH * 0.95, HALF_WIDTH * 0.95);
      const x = p.x - Math.sin(p.tangent) * offset;
      const y = p.y + Math.cos(p.tangent) * offset;
      const heading = p.tangent + rng.uniform(-1.2, 1.2);
      const proj = track.project(x, y);
      track.castRays(x, y, heading, proj.segment, RAY_ANGLES, out);
      RAY_ANGLES.forEach((a, r) => {
        expect(out[r]).toBeCloseTo(bruteForceRay(track, x, y, heading + a), 9);
        checked++;
      });
    }
    expect(checked).toBe(400 * RAY_ANGLES.length);
  });

  it("side range finders read about half the road width on the centreline", () => {
    const track = getTrack(0);
    const out = new Float64Array(RAY_ANGLES.length);
    const p = track.pointAt(10);
    track.castRays(p.x, p.y, p.tangent, track.project(p.x, p.y).segment, RAY_ANGLES, out);
    expect(out[0]).toBeGreaterThan(HALF_WIDTH * 0.95);
    expect(out[0]).toBeLessThan(HALF_WIDTH * 1.1);
    expect(out[RAY_ANGLES.length - 1]).toBeGreaterThan(HALF_WIDTH * 0.95);
    expect(out[RAY_ANGLES.length - 1]).toBeLessThan(HALF_WIDTH * 1.1);
  });
});

describe("CarTrack-v0 episodes", () => {
  it("counts laps and pays 100 per lap of progress", () => {
    const env = createEnv("CarTrack-v0", { drift: 0 });
    const expert = createExpert("CarTrack-v0");
    env.reset(5, { track: 2 });
    let total = 0;
    let info: Record<string, unknown> | undefined;
    for (;;) {
      const r = env.step(expert.act(env.getState()));
      total += r.reward;
      info = r.info;
      if (r.terminated || r.truncated) break;
    }
    expect(info?.["track"]).toBe(2);
    expect(info?.["lapsCompleted"]).toBe(1);
    expect(info?.["lapCompletion"]).toBe(1);
    expect(info?.["offRoad"]).toBe(false);
    expect(total).toBeCloseTo(100 * (info?.["lapProgress"] as number), 6);
  });

  it("terminates when the car leaves the road", () => {
    const env = createEnv("CarTrack-v0");
    env.reset(1);
    const state = env.getState();
    const heading = state[3]!;
    state[1] = state[1]! - Math.sin(heading) * (HALF_WIDTH - 0.05);
    state[2] = state[2]! + Math.cos(heading) * (HALF_WIDTH - 0.05);
    state[3] = heading + 0.5; // towards the left edge
    env.setState(state);
    const r = env.step([0]);
    expect(r.terminated).toBe(true);
    expect(r.info?.["offRoad"]).toBe(true);
  });

  it("drifts unless drift is switched off", () => {
    const straightRun = (drift: number): number => {
      const env = createEnv("CarTrack-v0", { drift });
      env.reset(3);
      for (let t = 0; t < 40; t++) env.step([0]);
      return env.getState()[6]!; // drift
    };
    expect(straightRun(0)).toBe(0);
    expect(Math.abs(straightRun(1))).toBeGreaterThan(0);
    expect(() => createEnv("CarTrack-v0", { drift: -1 })).toThrow(/drift/);
  });

  it("behaviour cloning compounds errors; DAgger recovers (linear policy, least squares)", () => {
    const env = createEnv("CarTrack-v0");
    const expert = createExpert("CarTrack-v0");
    type Weights = number[];
    const features = (o: readonly number[]): number[] => [1, ...o];
    const act = (w: Weights, o: readonly number[]): number[] => {
      const f = features(o);
      return [Math.max(-1, Math.min(1, f.reduce((sum, v, i) => sum + v * w[i]!, 0)))];
    };
    const data: { x: number[]; y: number }[] = [];
    /** Rolls out (expert if w is null), labelling every visited state with the expert. Returns lap completion. */
    const rollout = (w: Weights | null, seed: number): number => {
      let obs = env.reset(seed);
      for (;;) {
        const label = (expert.act(env.getState()) as number[])[0]!;
        data.push({ x: features(obs), y: label });
        const r = env.step(w === null ? [label] : act(w, obs));
        obs = r.observation;
        if (r.terminated || r.truncated) return Number(r.info?.["lapCompletion"]);
      }
    };
    const fit = (): Weights => {
      // Ridge regression by normal equations + Gauss–Jordan elimination.
      const d = data[0]!.x.length;
      const a = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
      for (const { x, y } of data) {
        for (let i = 0; i < d; i++) {
          a[i]![d]! += x[i]! * y;
          for (let j = 0; j < d; j++) a[i]![j]! += x[i]! * x[j]!;
        }
      }
      for (let i = 0; i < d; i++) a[i]![i]! += 1e-3 * data.length;
      for (let i = 0; i < d; i++) {
        for (let r = 0; r < d; r++) {
          if (r === i) continue;
          const f = a[r]![i]! / a[i]![i]!;
          for (let c = i; c <= d; c++) a[r]![c]! -= f * a[i]![c]!;
        }
      }
      return a.map((row, i) => row[d]! / row[i]!);
    };
    const evaluate = (w: Weights): number => {
      const saved = data.length;
      let sum = 0;
      for (let seed = 0; seed < 20; seed++) sum += rollout(w, seed);
      data.length = saved; // evaluation labels are not training data
      return sum / 20;
    };

    for (let seed = 100; seed < 105; seed++) rollout(null, seed); // 5 expert demonstrations
    let w = fit();
    const bc = evaluate(w);
    for (let iteration = 0; iteration < 2; iteration++) {
      for (let seed = 0; seed < 5; seed++) rollout(w, 500 + 10 * iteration + seed);
      w = fit();
    }
    const dagger = evaluate(w);
    console.log(`CarTrack linear policy, lap completion: BC ${bc.toFixed(3)}, DAgger (2 iterations) ${dagger.toFixed(3)}`);
    expect(bc).toBeLessThan(0.9);
    expect(dagger).toBeGreaterThanOrEqual(0.98);
    expect(CAR.dt).toBe(env.spec.dt);
  });
});

describe("CarTrack projection", () => {
  it("local search around a hint agrees with a global search, even after a long jump", () => {
    const track = getTrack(5);
    const rng = new Prng(4);
    for (let k = 0; k < 200; k++) {
      const p = track.pointAt(rng.uniform(0, track.length));
      const x = p.x + rng.uniform(-3, 3);
      const y = p.y + rng.uniform(-3, 3);
      const global = track.project(x, y);
      const hint = (global.segment + (k % 2 === 0 ? 2 : 40)) % track.n;
      const local = track.project(x, y, hint, 3);
      expect(local.segment).toBe(global.segment);
      expect(local.offset).toBeCloseTo(global.offset, 12);
      expect(local.s).toBeCloseTo(global.s, 12);
    }
  });
});
