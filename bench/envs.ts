/**
 * `npm run bench:envs` — single-thread step throughput of every environment.
 *
 * Each env is measured in its own child process (so the JIT sees one env class, as in a trainer
 * worker that runs one env): a warm-up, then 5 timed trials of random valid actions (episodes reset
 * as they end); the median trial is reported. Also measures the scripted expert's labelling rate
 * (`getState()` + `act()` per visited state). Prints a markdown table and saves
 * bench/results/envs.json + envs.md.
 */
import { spawnSync } from "node:child_process";
import { ENV_IDS, Prng, createEnv, createExpert } from "../envs/index";
import type { Env } from "../envs/index";
import { saveResults } from "./lib/results";

const WARMUP_MS = 500;
const TRIAL_MS = 600;
const TRIALS = 5;
const GOALS: Readonly<Record<string, number>> = { "CartPole-v1": 5_000_000, "CarTrack-v0": 200_000 };

interface Measurement {
  env: string;
  stepsPerSecond: number;
  nsPerStep: number;
  episodesPerSecond: number;
  expertLabelsPerSecond: number;
}

/** Steps per second over `ms` of random valid actions; returns [steps/s, episodes/s]. */
function timeSteps(env: Env, rng: Prng, ms: number): [number, number] {
  const space = env.spec.actionSpace;
  const n = space.type === "discrete" ? space.n : 0;
  const low = space.type === "box" ? space.low : [];
  const high = space.type === "box" ? space.high : [];
  const box = low.map(() => 0);
  let steps = 0;
  let episodes = 0;
  let sink = 0; // consume what a trainer would read, so no allocation can be optimised away
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 2000; k++) {
      let action: number | number[];
      if (n > 0) action = rng.nextUint32() % n;
      else {
        for (let i = 0; i < box.length; i++) box[i] = low[i]! + (high[i]! - low[i]!) * rng.next();
        action = box;
      }
      const r = env.step(action);
      sink += r.observation[0]! + r.reward;
      if (r.terminated || r.truncated) {
        env.reset();
        episodes++;
      }
    }
    steps += 2000;
    now = performance.now();
  }
  if (Number.isNaN(sink)) throw new Error("NaN observation or reward");
  const seconds = (now - start) / 1000;
  return [steps / seconds, episodes / seconds];
}

function timeExpert(id: string, ms: number): number {
  const env = createEnv(id, { seed: 2 });
  const expert = createExpert(id);
  const rng = new Prng(2);
  const states: number[][] = [];
  env.reset(0);
  const space = env.spec.actionSpace;
  for (let k = 0; k < 4096; k++) {
    const action = space.type === "discrete" ? rng.int(space.n) : space.low.map((lo, i) => lo + (space.high[i]! - lo) * rng.next());
    const r = env.step(action);
    states.push(env.getState());
    if (r.terminated || r.truncated) env.reset();
  }
  let labels = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (const s of states) {
      const a = expert.act(s);
      sink += typeof a === "number" ? a : a[0]!;
    }
    labels += states.length;
    now = performance.now();
  }
  if (Number.isNaN(sink)) throw new Error("expert returned NaN");
  return labels / ((now - start) / 1000);
}

function measure(id: string): Measurement {
  const env = createEnv(id, { seed: 1 });
  const rng = new Prng(1);
  env.reset(0);
  timeSteps(env, rng, WARMUP_MS);
  const trials = Array.from({ length: TRIALS }, () => timeSteps(env, rng, TRIAL_MS)).sort((a, b) => a[0] - b[0]);
  const [stepsPerSecond, episodesPerSecond] = trials[Math.floor(TRIALS / 2)]!;
  timeExpert(id, WARMUP_MS / 2);
  return {
    env: id,
    stepsPerSecond,
    nsPerStep: 1e9 / stepsPerSecond,
    episodesPerSecond,
    expertLabelsPerSecond: timeExpert(id, TRIAL_MS),
  };
}

function main(): void {
  const one = process.argv.indexOf("--one");
  if (one >= 0) {
    const id = process.argv[one + 1] ?? "";
    process.stdout.write(`${JSON.stringify(measure(id))}\n`);
    return;
  }
  const script = process.argv[1];
  if (script === undefined) throw new Error("cannot locate bench script");
  const rows = ENV_IDS.map((id) => {
    const child = spawnSync(process.execPath, [...process.execArgv, script, "--one", id], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`bench for ${id} failed:\n${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as Measurement;
    const goal = GOALS[id];
    const row = {
      env: id,
      "steps/s": Math.round(m.stepsPerSecond),
      "ns/step": Number(m.nsPerStep.toFixed(1)),
      "episodes/s": Math.round(m.episodesPerSecond),
      "expert labels/s": Math.round(m.expertLabelsPerSecond),
      goal: goal === undefined ? "" : `≥ ${goal.toLocaleString("en-US")} steps/s`,
      met: goal === undefined ? "" : m.stepsPerSecond >= goal ? "yes" : "NO",
    };
    console.error(`${id}: ${row["steps/s"].toLocaleString("en-US")} steps/s`);
    return row;
  });
  const md = saveResults("envs", {
    title: "Environment step throughput (single thread)",
    rows,
    notes: [
      `Random valid actions, episodes reset as they end; median of ${TRIALS} trials of ${TRIAL_MS} ms after a ${WARMUP_MS} ms warm-up, each env in its own process.`,
      "steps/s includes building the observation array and the step result (the loop reads both); CarTrack also casts 9 range finders per step.",
      "expert labels/s: the scripted expert's act() on 4,096 stored states visited by a random policy.",
    ],
  });
  console.log(md);
}

main();
