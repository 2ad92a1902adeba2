/**
 * Shared pieces of the generative heads (cvae, diffusion): both turn noise into an action through a
 * network, so inference runs the same network on several noise inputs per state at once.
 *
 * Browser-safe, no tfjs.
 */

/**
 * The fixed noise value of deterministic actions: the 75th percentile of N(0, 1). A fixed latent (or
 * fixed starting noise) maps to one mode of a multimodal policy, where the prior mean (0) may decode
 * to the point between two modes. Its mirror image −Q gives the second probe used for `spread`.
 */
export const NOISE_QUANTILE = 0.6744897501960817;

/**
 * Rows `[reps·batch × (obsDim + extraDim)]`: each block r of `batch` rows is `[obs_i, extra]`, with
 * `extra` left zero for the caller to fill (`offset` of the extra part = obsDim).
 */
export function tileObservations(obs: Float32Array, batch: number, reps: number, extraDim: number): Float32Array {
  const obsDim = obs.length / batch;
  const w = obsDim + extraDim;
  const out = new Float32Array(reps * batch * w);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < batch; i++) out.set(obs.subarray(i * obsDim, (i + 1) * obsDim), (r * batch + i) * w);
  }
  return out;
}

/** `|a⁺ − a⁻| / 2` averaged over dimensions: how far apart the two mirrored noise probes land. */
export function probeSpread(actions: Float32Array, plusBlock: number, minusBlock: number, batch: number, d: number, i: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const p = actions[(plusBlock * batch + i) * d + j] as number;
    const m = actions[(minusBlock * batch + i) * d + j] as number;
    s += Math.abs(p - m) / 2;
  }
  return s / d;
}
