/**
 * Checks the classic-control ports against Gymnasium 1.4.0's recorded trajectories in
 * ../shared/reference/gymnasium/ (read at test time, never copied into the repo), with exactly the
 * README's two checks and tolerances, on every step of every episode:
 *
 *  1. teacher-forced: setState(step.state, t) → step(action) → compare obs, reward, flags, next state;
 *     plus observe() after setState(initial_state) against initial_obs.
 *  2. open-loop: setState(initial_state) once, feed the recorded actions, compare obs/reward within
 *     1e-6·(1+|ref|) and the flags exactly, for t < open_loop_horizon.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEnv } from "../../envs/index";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const referenceDir = path.resolve(repoRoot, "../shared/reference/gymnasium");

interface RefStep {
  t: number;
  state: number[];
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}
interface RefEpisode {
  id: string;
  initial_state: number[];
  initial_obs: number[];
  steps: RefStep[];
  final_state: number[];
  length: number;
  open_loop_horizon: number;
}
interface RefFile {
  env_id: string;
  max_episode_steps: number;
  episodes: RefEpisode[];
}

/** The README's tolerances: |port − ref| ≤ rtol·|ref| + atol. */
const TOL = {
  state: { rtol: 1e-9, atol: 1e-12 },
  reward: { rtol: 1e-9, atol: 1e-12 },
  obs: { rtol: 2 ** -22, atol: 1e-12 },
} as const;
const OPEN_LOOP_BAND = 1e-6;

/** Returns a description of the first element outside the tolerance, or null when all are inside. */
function firstMismatch(
  port: readonly number[],
  ref: readonly number[],
  tol: { rtol: number; atol: number },
): string | null {
  if (port.length !== ref.length) return `length ${port.length} ≠ ${ref.length}`;
  for (let i = 0; i < ref.length; i++) {
    const p = port[i] as number;
    const r = ref[i] as number;
    if (!(Math.abs(p - r) <= tol.rtol * Math.abs(r) + tol.atol)) return `[${i}] port ${p} vs ref ${r}`;
  }
  return null;
}

function openLoopMismatch(port: readonly number[], ref: readonly number[]): string | null {
  if (port.length !== ref.length) return `length ${port.length} ≠ ${ref.length}`;
  for (let i = 0; i < ref.length; i++) {
    const p = port[i] as number;
    const r = ref[i] as number;
    if (!(Math.abs(p - r) <= OPEN_LOOP_BAND * (1 + Math.abs(r)))) return `[${i}] port ${p} vs ref ${r}`;
  }
  return null;
}

const files = existsSync(referenceDir)
  ? readdirSync(referenceDir)
      .filter((f) => f.endsWith(".json"))
      .sort()
  : [];

describe("Gymnasium 1.4.0 reference trajectories", () => {
  it("finds the reference folder with one JSON file per classic-control env", () => {
    expect(existsSync(referenceDir), `missing ${referenceDir}`).toBe(true);
    const ids = files.map((f) => (JSON.parse(readFileSync(path.join(referenceDir, f), "utf8")) as RefFile).env_id);
    expect(ids.sort()).toEqual(
      ["Acrobot-v1", "CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"].sort(),
    );
  });

  for (const file of files) {
    const ref = JSON.parse(readFileSync(path.join(referenceDir, file), "utf8")) as RefFile;

    describe(ref.env_id, () => {
      it("has the reference time limit", () => {
        expect(createEnv(ref.env_id).spec.maxEpisodeSteps).toBe(ref.max_episode_steps);
      });

      for (const episode of ref.episodes) {
        it(`${episode.id}: teacher-forced, every step (${episode.length} steps)`, () => {
          const env = createEnv(ref.env_id);
          const failures: string[] = [];
          env.setState(episode.initial_state, 0);
          const m0 = firstMismatch(env.observe(), episode.initial_obs, TOL.obs);
          if (m0) failures.push(`initial_obs ${m0}`);
          episode.steps.forEach((step, k) => {
            env.setState(step.state, step.t);
            const result = env.step(step.action);
            const nextState = k + 1 < episode.steps.length ? episode.steps[k + 1]!.state : episode.final_state;
            const where = `t=${step.t}`;
            const ms = firstMismatch(env.getState(), nextState, TOL.state);
            if (ms) failures.push(`${where} state ${ms}`);
            const mo = firstMismatch(result.observation, step.obs, TOL.obs);
            if (mo) failures.push(`${where} obs ${mo}`);
            const mr = firstMismatch([result.reward], [step.reward], TOL.reward);
            if (mr) failures.push(`${where} reward ${mr}`);
            if (result.terminated !== step.terminated) failures.push(`${where} terminated ${result.terminated}`);
            if (result.truncated !== step.truncated) failures.push(`${where} truncated ${result.truncated}`);
          });
          expect(failures.slice(0, 10)).toEqual([]);
        });

        it(`${episode.id}: open-loop for t < ${episode.open_loop_horizon}`, () => {
          const env = createEnv(ref.env_id);
          env.setState(episode.initial_state, 0);
          const failures: string[] = [];
          for (const step of episode.steps) {
            if (step.t >= episode.open_loop_horizon) break;
            const result = env.step(step.action);
            const where = `t=${step.t}`;
            const mo = openLoopMismatch(result.observation, step.obs);
            if (mo) failures.push(`${where} obs ${mo}`);
            const mr = openLoopMismatch([result.reward], [step.reward]);
            if (mr) failures.push(`${where} reward ${mr}`);
            if (result.terminated !== step.terminated) failures.push(`${where} terminated ${result.terminated}`);
            if (result.truncated !== step.truncated) failures.push(`${where} truncated ${result.truncated}`);
            if (failures.length > 0) break;
          }
          expect(failures).toEqual([]);
        });
      }
    });
  }
});
