/**
 * CarTrackPixels-v0: CarTrack-v0 — the same dynamics, drift, tracks, reward and scripted expert, step for step —
 * observed the way a camera-equipped car sees it: an egocentric 64×64 RGB image (rasterise.ts) plus its speed.
 * As a Gymnasium `Dict` observation: `{ image: Box(0, 255, [64, 64, 3], uint8), state: Box(0, 1.5, [1]) }`.
 * CarTrackPixels-v1 is CarTrack-v1 (narrow road, faster, noisy steering) seen through the same camera: on v0
 * behaviour cloning drives as well as DAgger from ~1,500 labels; on v1 it falls behind until its demonstrations
 * hold both kinds of bend, then catches up (docs/TRAINER.md, "the goal run").
 *
 * `observe()` returns the vector part (`state`: speed / cruise speed) like every env, so code that knows only
 * vectors keeps working (and the MLP trainer refuses an image project instead of training blind); the image
 * comes from `observeImages()`, or for any stored state from {@link carTrackPixelsImages} — a pure function of
 * the env state, so a replayed state shows the labeller exactly the pixels the policy saw.
 */
import { CARTRACK_SPEC, CARTRACK_V0, CARTRACK_V1, CARTRACK_V1_SPEC, CarTrackEnv, type CarTrackVariant } from "../cartrack/cartrack";
import type { EnvOptions, EnvSpec, RenderContext, RenderOverlay } from "../env";
import { boxSpace } from "../spaces";
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH, rasteriseCarTrack } from "./rasterise";
import { drawPixelView } from "./render";

export const CARTRACK_PIXELS_CAMERA = "image";

/** A CarTrack variant's spec observed through the camera: `state` (speed / cruise speed) plus the `image` camera. */
function pixelsSpec(of: EnvSpec, id: string, description: string): EnvSpec {
  return {
    ...of,
    id,
    description,
    observationSpace: boxSpace([0], [1.5], ["speed"]),
    observationFields: ["speed"],
    cameras: [{ name: CARTRACK_PIXELS_CAMERA, shape: [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS] }],
  };
}

export const CARTRACK_PIXELS_SPEC: EnvSpec = pixelsSpec(
  CARTRACK_SPEC,
  "CarTrackPixels-v0",
  "CarTrack-v0 seen through a camera: an egocentric 64×64 RGB image of the road ahead plus the car's speed, instead of range finders. Same dynamics, reward and expert.",
);

export const CARTRACK_PIXELS_V1_SPEC: EnvSpec = pixelsSpec(
  CARTRACK_V1_SPEC,
  "CarTrackPixels-v1",
  "CarTrack-v1 seen through a camera: the narrow, fast road with noisy steering, as an egocentric 64×64 RGB image plus the car's speed. Same dynamics, reward and expert as CarTrack-v1: 2.5 m either side of the centreline at 16 m/s.",
);

const PIXELS_V0: CarTrackVariant = { ...CARTRACK_V0, spec: CARTRACK_PIXELS_SPEC };
const PIXELS_V1: CarTrackVariant = { ...CARTRACK_V1, spec: CARTRACK_PIXELS_V1_SPEC };

/** The images of a CarTrack state seen on a road of `halfWidth` metres (`image`: `64 × 64 × 3` bytes). */
function imagesOf(variant: CarTrackVariant, state: readonly number[]): Record<string, Uint8Array> {
  return { [CARTRACK_PIXELS_CAMERA]: rasteriseCarTrack(state, undefined, variant.halfWidth) };
}

/** The images of a CarTrackPixels-v0 state. */
export function carTrackPixelsImages(state: readonly number[]): Record<string, Uint8Array> {
  return imagesOf(PIXELS_V0, state);
}

/** The images of a CarTrackPixels-v1 state (the narrow road). */
export function carTrackPixelsV1Images(state: readonly number[]): Record<string, Uint8Array> {
  return imagesOf(PIXELS_V1, state);
}

export class CarTrackPixelsEnv extends CarTrackEnv {
  /** CarTrackPixels-v0 by default; `"v1"` observes CarTrack-v1 through the camera. */
  constructor(options?: EnvOptions, version: "v0" | "v1" = "v0") {
    super(options, version === "v1" ? PIXELS_V1 : PIXELS_V0);
  }

  override observe(): number[] {
    return [(this.getState()[4] as number) / this.variant.cruiseSpeed];
  }

  observeImages(): Record<string, Uint8Array> {
    return imagesOf(this.variant, this.getState());
  }

  protected override draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    drawPixelView(ctx, rasteriseCarTrack(state, undefined, this.variant.halfWidth), state, overlay);
  }
}
