/** Synthetic image tasks for the ConvNet tests: a bright square on a dark, noisy background. */
import { expect } from "vitest";
import { TrainingCancelledError } from "../../trainer/errors";
import { inMemoryImages } from "../../trainer/images";
import type { TTrainConfigInput } from "../../contracts/trainer-protocol";
import type { TrainerWorker } from "../../trainer/worker/client";
import type { Dataset } from "../../trainer/dataset";
import type { TCamera } from "../../contracts/policy-spec";
import { mulberry32 } from "../../trainer/random";

export interface BlobSample {
  readonly pixels: Uint8Array;
  /** Quadrant of the square: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right. */
  readonly quadrant: number;
  /** Centre of the square in [-1, 1]. */
  readonly x: number;
  readonly y: number;
}

/**
 * One `size × size × 3` image with a 3×3 bright square somewhere, at least `margin` pixels from the
 * centre lines (so a random shift of up to `margin` pixels keeps its quadrant).
 */
export function blobImage(size: number, rng: () => number, margin = 4): BlobSample {
  const px = new Uint8Array(size * size * 3);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(rng() * 40);
  const half = size / 2;
  const pick = (): number => {
    const v = 1 + Math.floor(rng() * Math.max(half - 3 - margin, 1)); // the square stays inside one half
    return rng() < 0.5 ? v : v + half;
  };
  const cx = pick();
  const cy = pick();
  for (let y = cy; y < cy + 3; y++) for (let x = cx; x < cx + 3; x++) for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = c === 0 ? 250 : 200;
  const quadrant = (cy >= half ? 2 : 0) + (cx >= half ? 1 : 0);
  return { pixels: px, quadrant, x: ((cx + 1) / (size - 1)) * 2 - 1, y: ((cy + 1) / (size - 1)) * 2 - 1 };
}

export const camera = (size: number): TCamera => ({ name: "image", shape: [size, size, 3] });

/** `n` images; the action is the quadrant (`discrete`) or the square's x (`box`); state: one noise value. */
export function blobDataset(n: number, size: number, target: "quadrant" | "x", seed = 1): { dataset: Dataset; samples: BlobSample[]; states: number[][] } {
  const rng = mulberry32(seed);
  const samples = Array.from({ length: n }, () => blobImage(size, rng));
  const states = samples.map(() => [rng() * 2 - 1]);
  const pixels = new Uint8Array(n * size * size * 3);
  samples.forEach((s, i) => pixels.set(s.pixels, i * s.pixels.length));
  const observations = Float32Array.from(states.flat());
  const actions = Float32Array.from(samples.map((s) => (target === "quadrant" ? s.quadrant : s.x)));
  return {
    dataset: { n, obsDim: 1, actDim: 1, observations, actions, images: inMemoryImages([camera(size)], [pixels], n) },
    samples,
    states,
  };
}

/** Dict observations of the samples, as an env would give them. */
export function dictObservations(samples: readonly BlobSample[], states: readonly number[][]): Array<{ image: Uint8Array; state: number[] }> {
  return samples.map((s, i) => ({ image: s.pixels, state: states[i] as number[] }));
}

/** A job that would run for ever is cancelled on its first progress event and rejects with TrainingCancelledError. */
export async function expectCancelAfterFirstEpoch(worker: TrainerWorker, dataset: Dataset, config: TTrainConfigInput): Promise<void> {
  const job = worker.train(dataset, { ...config, epochs: 10_000, patience: 10_000 }, {
    onProgress: (p) => {
      if (p.epoch === 1) job.cancel();
    },
  });
  await expect(job.result).rejects.toBeInstanceOf(TrainingCancelledError);
}
