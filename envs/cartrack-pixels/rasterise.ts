/**
 * The one rasteriser of CarTrackPixels-v0: a CarTrack state → an egocentric RGB image, `H × W × 3` bytes, row
 * major (Gymnasium's `Box(0, 255, [64, 64, 3], uint8)`). Plain arithmetic on a `Uint8Array` — no canvas — so
 * Node (rollouts, training batches, PNG blobs) and the browser (replay, takeover, labelling) produce the same
 * bytes for the same state, which the tests check byte for byte.
 *
 * The camera looks down on the car from above, turned with it: the car sits at the bottom centre facing up, the
 * view reaches VIEW_AHEAD metres ahead and VIEW_WIDTH/2 to each side. Every pixel samples its centre's world
 * position: grass (with a 4 m world-fixed checker, so motion and rotation are visible), asphalt, red-and-white
 * kerbs at the road edge, a dashed yellow centreline. The car is a small red block at its fixed place.
 */
import { CAR } from "../cartrack/car";
import { getTrack, type Track } from "../cartrack/track";

export const IMAGE_HEIGHT = 64;
export const IMAGE_WIDTH = 64;
export const IMAGE_CHANNELS = 3;
/** Metres per pixel. */
export const METRES_PER_PIXEL = 0.5;
/** Image row (from the top, fractional) of the car's position: 28 m of road ahead, 4 m behind. */
const CAR_ROW = 56;
const CAR_COL = IMAGE_WIDTH / 2;

const GRASS: readonly [number, number, number] = [58, 125, 52];
const GRASS_DARK: readonly [number, number, number] = [48, 108, 44];
const ROAD: readonly [number, number, number] = [92, 92, 96];
const KERB_RED: readonly [number, number, number] = [200, 40, 40];
const KERB_WHITE: readonly [number, number, number] = [235, 235, 235];
const LINE: readonly [number, number, number] = [235, 200, 40];
const CAR_BODY: readonly [number, number, number] = [220, 30, 30];
const KERB_WIDTH = 0.5;
/** Wider than half a pixel, so the line is unbroken at 0.5 m a pixel. */
const LINE_HALF_WIDTH = 0.3;

/** Per-pixel nearest centreline distance² and arc length (reused: rendering is synchronous). */
const SCRATCH_D2 = new Float64Array(IMAGE_HEIGHT * IMAGE_WIDTH);
const SCRATCH_S = new Float64Array(IMAGE_HEIGHT * IMAGE_WIDTH);

/** Segments whose closest point to any pixel can matter: those within the view's reach of the car. */
function nearbySegments(track: Track, x: number, y: number, reach: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < track.n; i++) {
    const j = (i + 1) % track.n;
    // Distance from the car to the segment, bounded below by the distance to its nearer end minus its length.
    const d = Math.min(Math.hypot(track.cx[i]! - x, track.cy[i]! - y), Math.hypot(track.cx[j]! - x, track.cy[j]! - y)) - track.segLength[i]!;
    if (d <= reach + track.halfWidth) out.push(i);
  }
  return out;
}

/**
 * Renders the egocentric view of `state` (CarTrack's state layout: track, x, y, heading, …) into `out`
 * (allocated when omitted) and returns it.
 */
export function rasteriseCarTrack(state: readonly number[], out: Uint8Array = new Uint8Array(IMAGE_HEIGHT * IMAGE_WIDTH * IMAGE_CHANNELS), halfWidth?: number): Uint8Array {
  if (out.length !== IMAGE_HEIGHT * IMAGE_WIDTH * IMAGE_CHANNELS) throw new Error(`rasteriseCarTrack: out must hold ${IMAGE_HEIGHT}×${IMAGE_WIDTH}×3 bytes`);
  const [trackIndex, x, y, heading] = state as readonly number[] as [number, number, number, number];
  const track = getTrack(trackIndex, halfWidth);
  const hw = track.halfWidth;
  const cos = Math.cos(heading);
  const sin = Math.sin(heading);
  // Farthest pixel corner from the car.
  const reach = Math.hypot(CAR_ROW, IMAGE_WIDTH / 2) * METRES_PER_PIXEL + 1;
  const segments = nearbySegments(track, x, y, reach);
  const { cx, cy, ux, uy, segLength, cum } = track;
  // Segment by segment over the pixels of its bounding box (grown by the road's half-width): each pixel keeps
  // its nearest centreline point. Pixels no segment reaches are grass. ~5× fewer distance tests than asking
  // every segment about every pixel, and the same answer (segments in the same order, ties kept by the first).
  const n = IMAGE_HEIGHT * IMAGE_WIDTH;
  const bestD2 = SCRATCH_D2.fill(Infinity);
  const bestS = SCRATCH_S;
  const toCol = (wx: number, wy: number) => CAR_COL - (-(wx - x) * sin + (wy - y) * cos) / METRES_PER_PIXEL - 0.5;
  const toRow = (wx: number, wy: number) => CAR_ROW - ((wx - x) * cos + (wy - y) * sin) / METRES_PER_PIXEL - 0.5;
  const grow = hw / METRES_PER_PIXEL + 1;
  for (const i of segments) {
    const j = (i + 1) % track.n;
    const c0 = toCol(cx[i]!, cy[i]!);
    const c1 = toCol(cx[j]!, cy[j]!);
    const r0 = toRow(cx[i]!, cy[i]!);
    const r1 = toRow(cx[j]!, cy[j]!);
    const cMin = Math.max(0, Math.floor(Math.min(c0, c1) - grow));
    const cMax = Math.min(IMAGE_WIDTH - 1, Math.ceil(Math.max(c0, c1) + grow));
    const rMin = Math.max(0, Math.floor(Math.min(r0, r1) - grow));
    const rMax = Math.min(IMAGE_HEIGHT - 1, Math.ceil(Math.max(r0, r1) + grow));
    const len = segLength[i]!;
    for (let r = rMin; r <= rMax; r++) {
      const forward = (CAR_ROW - (r + 0.5)) * METRES_PER_PIXEL;
      for (let c = cMin; c <= cMax; c++) {
        const left = (CAR_COL - (c + 0.5)) * METRES_PER_PIXEL;
        const qx = x + forward * cos - left * sin - cx[i]!;
        const qy = y + forward * sin + left * cos - cy[i]!;
        let u = qx * ux[i]! + qy * uy[i]!;
        u = u < 0 ? 0 : u > len ? len : u;
        const dx = qx - u * ux[i]!;
        const dy = qy - u * uy[i]!;
        const d2 = dx * dx + dy * dy;
        const k = r * IMAGE_WIDTH + c;
        if (d2 < bestD2[k]!) {
          bestD2[k] = d2;
          bestS[k] = cum[i]! + u;
        }
      }
    }
  }
  for (let k = 0; k < n; k++) {
    const d = Math.sqrt(bestD2[k]!);
    const sAlong = bestS[k]!;
    let colour: readonly [number, number, number];
    if (d > hw) {
      const r = (k / IMAGE_WIDTH) | 0;
      const c = k - r * IMAGE_WIDTH;
      const forward = (CAR_ROW - (r + 0.5)) * METRES_PER_PIXEL;
      const left = (CAR_COL - (c + 0.5)) * METRES_PER_PIXEL;
      const px = x + forward * cos - left * sin;
      const py = y + forward * sin + left * cos;
      colour = ((Math.floor(px / 4) + Math.floor(py / 4)) & 1) === 0 ? GRASS : GRASS_DARK;
    } else if (d > hw - KERB_WIDTH) colour = (Math.floor(sAlong / 2) & 1) === 0 ? KERB_RED : KERB_WHITE;
    else if (d < LINE_HALF_WIDTH && (Math.floor(sAlong / 3) & 1) === 0) colour = LINE;
    else colour = ROAD;
    const o = k * 3;
    out[o] = colour[0];
    out[o + 1] = colour[1];
    out[o + 2] = colour[2];
  }
  paintCar(out);
  return out;
}

/** The car: about as long as its wheelbase and 2 m wide, just ahead of its reference point (the rear axle). */
function paintCar(out: Uint8Array): void {
  const lengthPx = Math.round((CAR.wheelbase + 1) / METRES_PER_PIXEL);
  const halfWidthPx = 2;
  for (let r = CAR_ROW - lengthPx + 1; r <= CAR_ROW; r++) {
    for (let c = CAR_COL - halfWidthPx; c < CAR_COL + halfWidthPx; c++) {
      const o = (r * IMAGE_WIDTH + c) * 3;
      out[o] = CAR_BODY[0];
      out[o + 1] = CAR_BODY[1];
      out[o + 2] = CAR_BODY[2];
    }
  }
}
