/**
 * Seeded pseudo-random numbers for environments and experts (mulberry32).
 *
 * Deterministic, platform independent (32-bit integer arithmetic only), and its whole state is one
 * uint32, so an env can put it into `getState()` and a replay continues with the same noise.
 * This is not NumPy's generator: reset distributions follow Gymnasium's bounds, not its samples.
 */

/** Maps any safe-integer seed (negative and > 2^32 included) to a well-mixed uint32 state. */
export function seedToState(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${seed}`);
  // Fold the high bits in, then a murmur3-style finaliser so nearby seeds give unrelated streams.
  let h = (seed >>> 0) ^ Math.floor(seed / 0x100000000) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Prng {
  /** The generator's entire state, a uint32. */
  state: number;

  constructor(seed = 0) {
    this.state = seedToState(seed);
  }

  /** A generator that continues from a saved `state` (see {@link Prng.state}). */
  static fromState(state: number): Prng {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new Error(`Prng state must be a uint32, got ${state}`);
    }
    const p = new Prng();
    p.state = state;
    return p;
  }

  /** Next uint32. */
  nextUint32(): number {
    let s = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    s = Math.imul(s ^ (s >>> 15), s | 1);
    s ^= s + Math.imul(s ^ (s >>> 7), s | 61);
    return (s ^ (s >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of randomness (fast path for noise). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [0, 1) with 53 bits of randomness (two draws), like NumPy's `random()`. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high), computed as `low + (high - low) * u` (Gymnasium's formula). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.nextDouble();
  }

  /** Uniform integer in 0..n-1. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, one value per call). */
  normal(): number {
    const u = 1 - this.nextDouble(); // (0, 1]
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
