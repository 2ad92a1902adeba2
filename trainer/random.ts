/**
 * Seeded randomness for the trainer (shuffles, bootstrap resamples, stochastic actions, label noise):
 * mulberry32, the same generator as `envs/prng.ts`, so runs are reproducible on every platform.
 *
 * Browser-safe.
 */
import { Prng } from "../envs/prng";

export type Rng = () => number;

/**
 * A uniform [0, 1) generator from an integer seed: the mulberry32 step of `envs/prng.ts` (one implementation),
 * seeded from the integer the trainer's way (so streams, and every seeded result, stay what they were).
 */
export function mulberry32(seed: number): Rng {
  const prng = Prng.fromState((Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
  return () => prng.next();
}

/** Standard normal draw (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** Poisson(1) draw: the online-bootstrap weight of one sample (Oza & Russell 2001). */
export function poisson1(rng: Rng): number {
  const l = Math.exp(-1);
  let k = 0;
  let p = rng();
  while (p > l) {
    k++;
    p *= rng();
  }
  return k;
}

/** A derived seed, so components of one run get independent but reproducible streams. */
export function subSeed(seed: number, ...path: number[]): number {
  let h = (seed | 0) ^ 0x2545f491;
  for (const x of path) {
    h = Math.imul(h ^ (x | 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
