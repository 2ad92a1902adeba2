/**
 * Input and action normalisation, computed from a dataset and stored with the model.
 *
 * Browser-safe.
 */
import type { Dataset } from "../dataset";
import type { TActionSpace, TNormalization } from "../../contracts/policy-spec";

/** Normalised observations are clipped to ±OBS_CLIP (states far outside the data stay finite). */
export const OBS_CLIP = 10;
/** Box bounds at or beyond this are treated as unbounded (Gymnasium writes ±FLOAT32_MAX). */
const UNBOUNDED = 1e6;

/** Per-feature mean/std of the observations and the action scaling for `space`. */
export function computeNormalization(ds: Dataset, space: TActionSpace): TNormalization {
  const { n, obsDim, actDim } = ds;
  const obsMean: number[] = [];
  const obsStd: number[] = [];
  for (let j = 0; j < obsDim; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += ds.observations[i * obsDim + j] as number;
    const mean = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = (ds.observations[i * obsDim + j] as number) - mean;
      v += d * d;
    }
    const std = Math.sqrt(v / n);
    obsMean.push(mean);
    obsStd.push(std > 1e-6 ? std : 1);
  }
  const actCenter: number[] = [];
  const actScale: number[] = [];
  if (space.type === "discrete") {
    actCenter.push(0);
    actScale.push(1);
  } else {
    for (let j = 0; j < actDim; j++) {
      const lo = space.low[j] as number;
      const hi = space.high[j] as number;
      if (Math.abs(lo) < UNBOUNDED && Math.abs(hi) < UNBOUNDED && hi > lo) {
        actCenter.push((lo + hi) / 2);
        actScale.push((hi - lo) / 2);
      } else {
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < n; i++) {
          const a = ds.actions[i * actDim + j] as number;
          if (a < min) min = a;
          if (a > max) max = a;
        }
        const half = (max - min) / 2;
        actCenter.push((max + min) / 2);
        actScale.push(half > 1e-6 ? half * 1.1 : 1);
      }
    }
  }
  return { obsMean, obsStd, actCenter, actScale };
}

/** Normalises `n` observations `[n × obsDim]` into a new array. */
export function normalizeObservations(norm: TNormalization, obs: ArrayLike<number>, n: number): Float32Array {
  const d = norm.obsMean.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const z = ((obs[i * d + j] as number) - (norm.obsMean[j] as number)) / (norm.obsStd[j] as number);
      out[i * d + j] = z > OBS_CLIP ? OBS_CLIP : z < -OBS_CLIP ? -OBS_CLIP : z;
    }
  }
  return out;
}

/** Box actions `[n × actDim]` into the network's `[-1, 1]` coordinates (discrete: copied). */
export function normalizeActions(norm: TNormalization, actions: ArrayLike<number>, n: number): Float32Array {
  const d = norm.actCenter.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const j = i % d;
    out[i] = ((actions[i] as number) - (norm.actCenter[j] as number)) / (norm.actScale[j] as number);
  }
  return out;
}

/** One normalised box action back to env units, clipped to the space's bounds. */
export function denormalizeAction(norm: TNormalization, space: TActionSpace, a: ArrayLike<number>): number[] {
  if (space.type === "discrete") return [a[0] as number];
  const out: number[] = [];
  for (let j = 0; j < a.length; j++) {
    const v = (a[j] as number) * (norm.actScale[j] as number) + (norm.actCenter[j] as number);
    out.push(Math.min(Math.max(v, space.low[j] as number), space.high[j] as number));
  }
  return out;
}
