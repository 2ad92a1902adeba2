/**
 * The common env contract (envs/index.ts), checked on every registered env: the registry, JSON specs,
 * seeding, action validation, lifecycle errors, state save/restore, truncation, and that nothing
 * under envs/ uses Node-only APIs (it must run in the browser).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ENV_IDS,
  checkStepAction,
  createEnv,
  createExpert,
  createRandomPolicy,
  getEnvSpec,
  listEnvs,
  normalizedReturn,
} from "../../envs/index";
import type { Env, Space } from "../../envs/index";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** The observation with its images, for envs with cameras (CarTrackPixels' vector alone is the same speed at every start). */
function withImages(env: Env, obs: number[]): number[] {
  return env.observeImages ? [...obs, ...Object.values(env.observeImages()).flatMap((a) => [...a])] : obs;
}

function randomRollout(env: Env, seed: number, steps: number): { obs: number[][]; rewards: number[] } {
  const policy = createRandomPolicy(env.spec.actionSpace, seed);
  const obs = [withImages(env, env.reset(seed))];
  const rewards: number[] = [];
  for (let t = 0; t < steps; t++) {
    const r = env.step(policy(t === 0 ? env.observe() : obs[obs.length - 1]!, env.getState()));
    obs.push(r.observation);
    rewards.push(r.reward);
    if (r.terminated || r.truncated) break;
  }
  return { obs, rewards };
}

function validAction(space: Space): number | number[] {
  return space.type === "discrete" ? 0 : space.low.map(() => 0);
}

describe("registry", () => {
  it("lists the eleven environments with JSON-round-trippable specs", () => {
    expect(ENV_IDS).toEqual([
      "CartPole-v1",
      "MountainCar-v0",
      "MountainCarContinuous-v0",
      "Pendulum-v1",
      "Acrobot-v1",
      "CarTrack-v0",
      "Fork-v0",
      "CarTrack-v1",
      "Fork-v1",
      "CarTrackPixels-v0",
      "CarTrackPixels-v1",
    ]);
    for (const spec of listEnvs()) {
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
      expect(spec.observationSpace.shape[0]).toBe(spec.observationFields.length);
      expect(spec.stateFields.length).toBeGreaterThan(0);
      expect(spec.maxEpisodeSteps).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(20);
      expect(getEnvSpec(spec.id)).toBe(spec);
    }
  });

  it("rejects an unknown id with a message listing the known ones", () => {
    expect(() => createEnv("CartPole-v0")).toThrow(/Unknown environment id "CartPole-v0".*CartPole-v1/);
    expect(() => createExpert("nope")).toThrow(/Unknown environment id/);
  });

  it("has an expert for every env that says so", () => {
    for (const spec of listEnvs()) {
      if (spec.hasExpert) expect(createExpert(spec.id).envId).toBe(spec.id);
    }
  });

  it("computes the normalised return from the reference returns", () => {
    const spec = getEnvSpec("CartPole-v1");
    const { random, expert } = spec.referenceReturns;
    expect(normalizedReturn(spec, random)).toBeCloseTo(0);
    expect(normalizedReturn(spec, expert!)).toBeCloseTo(1);
  });
});

describe.each(ENV_IDS)("%s", (id) => {
  it("is deterministic given a seed, and different seeds differ", () => {
    const a = randomRollout(createEnv(id), 7, 60);
    const b = randomRollout(createEnv(id, { seed: 99 }), 7, 60);
    expect(b).toEqual(a);
    const c = randomRollout(createEnv(id), 8, 60);
    expect(c.obs[0]).not.toEqual(a.obs[0]);
  });

  it("continues its PRNG on reset() without a seed, reproducibly from the constructor seed", () => {
    const e1 = createEnv(id, { seed: 3 });
    const e2 = createEnv(id, { seed: 3 });
    const first = [withImages(e1, e1.reset()), withImages(e1, e1.reset())];
    expect([withImages(e2, e2.reset()), withImages(e2, e2.reset())]).toEqual(first);
    expect(first[1]).not.toEqual(first[0]);
  });

  it("returns finite observations of the declared size", () => {
    const env = createEnv(id);
    const { obs } = randomRollout(env, 1, 200);
    obs[0] = obs[0]!.slice(0, env.spec.observationSpace.shape[0]); // without the images
    const size = env.spec.observationSpace.shape[0];
    for (const o of obs) {
      expect(o).toHaveLength(size);
      for (const v of o) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it("rejects invalid actions with a clear error and leaves the state unchanged", () => {
    const env = createEnv(id);
    env.reset(1);
    const before = env.getState();
    const space = env.spec.actionSpace;
    const bad: unknown[] =
      space.type === "discrete"
        ? [NaN, -1, space.n, 0.5, "1", null, undefined, [0], Infinity]
        : [NaN, 0, [], [NaN], [Infinity], [-Infinity], ["0"], null, undefined, "0", space.low.map(() => 0).concat([0])];
    for (const action of bad) {
      expect(() => env.step(action as number), `action ${String(action)}`).toThrow(new RegExp(`${id}: invalid action`));
    }
    expect(env.getState()).toEqual(before);
    expect(() => env.step(validAction(space))).not.toThrow();
  });

  it("accepts typed arrays for box actions", () => {
    const env = createEnv(id);
    env.reset(1);
    const space = env.spec.actionSpace;
    if (space.type === "box") {
      expect(() => env.step(new Float32Array(space.shape[0]))).not.toThrow();
    }
  });

  it("refuses to step before reset and after the episode ended", () => {
    const env = createEnv(id);
    expect(() => env.step(validAction(env.spec.actionSpace))).toThrow(/before reset/);
    env.reset(0);
    env.setState(env.getState(), env.spec.maxEpisodeSteps - 1);
    const last = env.step(validAction(env.spec.actionSpace));
    expect(last.truncated).toBe(true);
    expect(env.stepCount).toBe(env.spec.maxEpisodeSteps);
    expect(() => env.step(validAction(env.spec.actionSpace))).toThrow(/episode ended/);
  });

  it("getState/setState reproduce the continuation exactly (replay)", () => {
    const env = createEnv(id);
    const policy = createRandomPolicy(env.spec.actionSpace, 5);
    let obs = env.reset(11);
    for (let t = 0; t < 10; t++) obs = env.step(policy(obs, env.getState())).observation;
    const saved = env.getState();
    const savedObs = env.observe();
    const actions = Array.from({ length: 20 }, () => policy(obs, saved));
    const run = (): unknown[] => {
      const out: unknown[] = [];
      for (const a of actions) {
        const r = env.step(a);
        out.push(r);
        if (r.terminated || r.truncated) break;
      }
      return out;
    };
    const first = run();
    const other = createEnv(id);
    other.setState(saved, 10);
    expect(other.observe()).toEqual(savedObs);
    expect(other.getState()).toEqual(saved);
    env.setState(saved, 10);
    const second = run();
    expect(second).toEqual(first);
  });

  it("validates setState input", () => {
    const env = createEnv(id);
    const n = env.spec.stateFields.length;
    expect(() => env.setState(new Array(n + 1).fill(0))).toThrow(/setState expects/);
    const withNaN = env.reset(0).length > 0 ? env.getState() : [];
    withNaN[0] = NaN;
    expect(() => env.setState(withNaN)).toThrow(/not a finite number/);
    expect(() => env.setState(env.getState(), -1)).toThrow(/stepCount/);
  });

  it("truncates exactly at maxEpisodeSteps", () => {
    const env = createEnv(id);
    env.reset(0);
    env.setState(env.getState(), env.spec.maxEpisodeSteps - 2);
    expect(env.step(validAction(env.spec.actionSpace)).truncated).toBe(false);
  });

  it("has an expert that labels states the random policy visits with valid actions", () => {
    const env = createEnv(id);
    const expert = createExpert(id);
    const policy = createRandomPolicy(env.spec.actionSpace, 2);
    let obs = env.reset(4);
    for (let t = 0; t < 100; t++) {
      const state = env.getState();
      const copy = [...state];
      const label = expert.act(state);
      expect(state).toEqual(copy);
      expect(() => checkStepAction(id, env.spec.actionSpace, label)).not.toThrow();
      const r = env.step(policy(obs, state));
      obs = r.observation;
      if (r.terminated || r.truncated) obs = env.reset();
    }
  });
});

describe("reset options", () => {
  it("CartPole, MountainCar and Acrobot honour { low, high }; Pendulum honours { x_init, y_init }", () => {
    const cp = createEnv("CartPole-v1");
    for (let s = 0; s < 20; s++) {
      for (const v of (cp.reset(s, { low: 0.1, high: 0.2 }), cp.getState())) {
        expect(v).toBeGreaterThanOrEqual(0.1);
        expect(v).toBeLessThan(0.2);
      }
    }
    const mc = createEnv("MountainCar-v0");
    mc.reset(1, { low: -1.0, high: -0.9 });
    expect(mc.getState()[0]).toBeGreaterThanOrEqual(-1.0);
    expect(mc.getState()[1]).toBe(0);
    const ac = createEnv("Acrobot-v1");
    ac.reset(1);
    for (const v of ac.getState()) expect(Math.fround(v)).toBe(v); // float32 reset state
    const pe = createEnv("Pendulum-v1");
    pe.reset(1, { x_init: 0.01, y_init: 0.02 });
    const [th, thd] = pe.getState() as [number, number];
    expect(Math.abs(th)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(thd)).toBeLessThanOrEqual(0.02);
    expect(() => cp.reset(0, { low: "a" })).toThrow(/reset option "low" must be a finite number/);
  });

  it("rejects a non-integer seed", () => {
    expect(() => createEnv("CartPole-v1").reset(1.5)).toThrow(/seed must be a safe integer/);
    expect(() => createEnv("CartPole-v1", { seed: NaN })).toThrow(/seed must be a safe integer/);
  });
});

describe("browser safety", () => {
  it("uses no Node-only APIs anywhere under envs/", () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith(".ts")) files.push(full);
      }
    };
    walk(path.join(repoRoot, "envs"));
    expect(files.length).toBeGreaterThan(10);
    const forbidden = [/from\s+["']node:/, /from\s+["'](fs|path|os|crypto|worker_threads|child_process)["']/, /\brequire\(/, /\bprocess\./, /\bBuffer\b/, /__dirname/];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const pattern of forbidden) expect(text, `${path.relative(repoRoot, file)} matches ${pattern}`).not.toMatch(pattern);
      for (const m of text.matchAll(/from\s+["']([^"']+)["']/g)) {
        expect(m[1]!.startsWith("."), `${path.relative(repoRoot, file)} imports ${m[1]}`).toBe(true);
      }
    }
  });
});

describe("setState atomicity", () => {
  it("leaves CarTrack untouched when part of a new state is invalid", () => {
    const env = createEnv("CarTrack-v0");
    env.reset(1, { track: 3 });
    const before = env.getState();
    const bad = [...before];
    bad[0] = 5; // a valid track …
    bad[8] = 1.5; // … but an invalid noise generator state
    expect(() => env.setState(bad)).toThrow(/Prng state must be a uint32/);
    expect(env.getState()).toEqual(before);
    bad[8] = 0;
    bad[0] = 99;
    expect(() => env.setState(bad)).toThrow(/track must be an integer in 0\.\.7/);
  });
});
