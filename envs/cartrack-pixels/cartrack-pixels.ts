/**
 * CarTrackPixels-v0: CarTrack-v0 — the same dynamics, drift, tracks, reward and scripted expert, step for step —
 * observed the way a camera-equipped car sees it: an egocentric 64×64 RGB image (rasterise.ts) plus its speed.
 * As a Gymnasium `Dict` observation: `{ image: Box(0, 255, [64, 64, 3], uint8), state: Box(0, 1.5, [1]) }`.
 *
 * `observe()` returns the vector part (`state`: speed / cruise speed) like every env, so code that knows only
 * vectors keeps working (and the MLP trainer refuses an image project instead of training blind); the image
 * comes from `observeImages()`, or for any stored state from {@link carTrackPixelsImages} — a pure function of
 * the env state, so a replayed state shows the labeller exactly the pixels the policy saw.
 */
import { CARTRACK_SPEC, CARTRACK_V0, CarTrackEnv, type CarTrackVariant } from "../cartrack/cartrack";
import { CAR } from "../cartrack/car";
import type { EnvOptions, EnvSpec, RenderContext, RenderOverlay } from "../env";
import { boxSpace } from "../spaces";
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH, rasteriseCarTrack } from "./rasterise";
import { drawPixelView } from "./render";

export const CARTRACK_PIXELS_CAMERA = "image";

export const CARTRACK_PIXELS_SPEC: EnvSpec = {
  ...CARTRACK_SPEC,
  id: "CarTrackPixels-v0",
  description:
    "CarTrack-v0 seen through a camera: an egocentric 64×64 RGB image of the road ahead plus the car's speed, instead of range finders. Same dynamics, reward and expert.",
  observationSpace: boxSpace([0], [1.5], ["speed"]),
  observationFields: ["speed"],
  cameras: [{ name: CARTRACK_PIXELS_CAMERA, shape: [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS] }],
};

const VARIANT: CarTrackVariant = { ...CARTRACK_V0, spec: CARTRACK_PIXELS_SPEC };

/** The images of a CarTrack state (`image`: `64 × 64 × 3` bytes). */
export function carTrackPixelsImages(state: readonly number[]): Record<string, Uint8Array> {
  return { [CARTRACK_PIXELS_CAMERA]: rasteriseCarTrack(state, undefined, VARIANT.halfWidth) };
}

export class CarTrackPixelsEnv extends CarTrackEnv {
  constructor(options?: EnvOptions) {
    super(options, VARIANT);
  }

  override observe(): number[] {
    return [(this.getState()[4] as number) / CAR.cruiseSpeed];
  }

  observeImages(): Record<string, Uint8Array> {
    return carTrackPixelsImages(this.getState());
  }

  protected override draw(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay): void {
    drawPixelView(ctx, rasteriseCarTrack(state, undefined, VARIANT.halfWidth), state, overlay);
  }
}
