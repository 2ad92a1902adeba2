/** Shared set-up for the trainer tests: one backend per test process, small synthetic datasets. */
import { selectBackend, type BackendInfo } from "../../trainer/backend";
import { makeDataset, type Dataset } from "../../trainer/dataset";
import { mulberry32 } from "../../trainer/random";

let backend: Promise<BackendInfo> | null = null;

/** wasm (with the MatMul fix), selected once per test file (vitest runs each file in its own process). */
export function testBackend(): Promise<BackendInfo> {
  backend ??= selectBackend({ prefer: "wasm", log: () => undefined });
  return backend;
}

export const BOX1 = { type: "box", shape: [1], low: [-1], high: [1] } as const;

/** 1-D bimodal: whatever the observation, the action is −0.6 or +0.6 with equal probability. */
export function bimodalDataset(n: number, seed = 1): Dataset {
  const rng = mulberry32(seed);
  const obs: number[][] = [];
  const act: number[][] = [];
  for (let i = 0; i < n; i++) {
    obs.push([rng(), rng()]);
    act.push([rng() < 0.5 ? -0.6 : 0.6]);
  }
  return makeDataset(obs, act);
}

/** Discrete: action 1 when x0 + x1 > 0, else 0. */
export function halfPlaneDataset(n: number, seed = 2): Dataset {
  const rng = mulberry32(seed);
  const obs: number[][] = [];
  const act: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = [rng() * 2 - 1, rng() * 2 - 1];
    obs.push(x);
    act.push((x[0] as number) + (x[1] as number) > 0 ? 1 : 0);
  }
  return makeDataset(obs, act);
}

/** Continuous: a = 0.5·sin(2·x0) + 0.1·x1 + N(0, noise²). */
export function regressionDataset(n: number, noise: number, seed = 3): Dataset {
  const rng = mulberry32(seed);
  const obs: number[][] = [];
  const act: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = [rng() * 2 - 1, rng() * 2 - 1];
    const u = 1 - rng();
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
    act.push([0.5 * Math.sin(2 * (x[0] as number)) + 0.1 * (x[1] as number) + noise * g]);
    obs.push(x);
  }
  return makeDataset(obs, act);
}
