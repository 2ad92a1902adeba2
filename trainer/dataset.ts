/**
 * Training data as flat typed arrays: `observations` is `[n × obsDim]` and `actions` `[n × actDim]`
 * row-major (a discrete action is one integer-valued element). Flat arrays cross a worker boundary
 * without copying (transferable) and upload to a tensor in one call.
 * Image observations: `observations` holds the state vectors, and `images` gives each sample's pixels
 * per camera on demand (see images.ts); the helpers below handle state-only datasets.
 *
 * Browser-safe.
 */
import type { ImageSource } from "./images";

export interface Dataset {
  readonly n: number;
  readonly obsDim: number;
  readonly actDim: number;
  /** `[n × obsDim]` */
  readonly observations: Float32Array;
  /** `[n × actDim]` */
  readonly actions: Float32Array;
  /** Image policies: the pixels of sample `i` (same order as the rows above). */
  readonly images?: ImageSource;
}

/** Builds a dataset from per-sample arrays; a number action counts as a 1-element vector. */
export function makeDataset(
  observations: ReadonlyArray<ArrayLike<number>>,
  actions: ReadonlyArray<number | ArrayLike<number>>,
): Dataset {
  if (observations.length !== actions.length) {
    throw new Error(`makeDataset: ${observations.length} observations but ${actions.length} actions`);
  }
  const n = observations.length;
  if (n === 0) throw new Error("makeDataset: empty dataset");
  const obsDim = (observations[0] as ArrayLike<number>).length;
  const first = actions[0] as number | ArrayLike<number>;
  const actDim = typeof first === "number" ? 1 : first.length;
  const obs = new Float32Array(n * obsDim);
  const act = new Float32Array(n * actDim);
  for (let i = 0; i < n; i++) {
    const o = observations[i] as ArrayLike<number>;
    if (o.length !== obsDim) throw new Error(`makeDataset: observation ${i} has ${o.length} elements, expected ${obsDim}`);
    for (let j = 0; j < obsDim; j++) obs[i * obsDim + j] = o[j] as number;
    const a = actions[i] as number | ArrayLike<number>;
    if (typeof a === "number") {
      if (actDim !== 1) throw new Error(`makeDataset: action ${i} is a number, expected ${actDim} elements`);
      act[i] = a;
    } else {
      if (a.length !== actDim) throw new Error(`makeDataset: action ${i} has ${a.length} elements, expected ${actDim}`);
      for (let j = 0; j < actDim; j++) act[i * actDim + j] = a[j] as number;
    }
  }
  return { n, obsDim, actDim, observations: obs, actions: act };
}

/** D ∪ D′ (same dimensions). */
export function concatDatasets(...parts: readonly Dataset[]): Dataset {
  const nonEmpty = parts.filter((p) => p.n > 0);
  const head = nonEmpty[0];
  if (head === undefined) throw new Error("concatDatasets: nothing to concatenate");
  const n = nonEmpty.reduce((s, p) => s + p.n, 0);
  const observations = new Float32Array(n * head.obsDim);
  const actions = new Float32Array(n * head.actDim);
  let row = 0;
  for (const p of nonEmpty) {
    if (p.obsDim !== head.obsDim || p.actDim !== head.actDim) {
      throw new Error(`concatDatasets: dimensions differ (${p.obsDim}/${p.actDim} vs ${head.obsDim}/${head.actDim})`);
    }
    observations.set(p.observations.subarray(0, p.n * p.obsDim), row * head.obsDim);
    actions.set(p.actions.subarray(0, p.n * p.actDim), row * head.actDim);
    row += p.n;
  }
  return { n, obsDim: head.obsDim, actDim: head.actDim, observations, actions };
}

/** The rows `indices` of a dataset, in that order. */
export function selectRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const observations = new Float32Array(n * ds.obsDim);
  const actions = new Float32Array(n * ds.actDim);
  for (let i = 0; i < n; i++) {
    const r = indices[i] as number;
    observations.set(ds.observations.subarray(r * ds.obsDim, (r + 1) * ds.obsDim), i * ds.obsDim);
    actions.set(ds.actions.subarray(r * ds.actDim, (r + 1) * ds.actDim), i * ds.actDim);
  }
  return { n, obsDim: ds.obsDim, actDim: ds.actDim, observations, actions };
}
