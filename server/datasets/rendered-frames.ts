/**
 * Images of built-in camera envs (CarTrackPixels-v0) for exports: rendered from each sample's env state by the
 * env's own rasteriser — the pixels the policy saw, computed, not stored — and encoded as PNG (lossless, what
 * LeRobot's `dtype: "image"` columns hold).
 */
import { encode } from "fast-png";
import { getEnvSpec, observationImages } from "../../envs/index";
import type { SampleRow } from "./sample-pages";

/** The PNG of camera `camera` of `envId` in `envState`. */
export function renderedFramePng(envId: string, camera: string, envState: readonly number[]): Buffer {
  const spec = getEnvSpec(envId).cameras?.find((c) => c.name === camera);
  const pixels = observationImages(envId, envState)[camera];
  if (!spec || !pixels) throw new Error(`${envId} has no camera "${camera}"`);
  const [height, width, channels] = spec.shape;
  const png = encode({ width, height, data: pixels, channels });
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}

/** Fills each row's `frame` with its rendered image (rows without an env state — imported samples — get none). */
export async function* withRenderedFrames(pages: AsyncIterable<SampleRow[]>, envId: string, camera: string): AsyncGenerator<SampleRow[]> {
  for await (const page of pages) yield page.map((row) => ({ ...row, frame: row.envState ? renderedFramePng(envId, camera, row.envState) : null }));
}
