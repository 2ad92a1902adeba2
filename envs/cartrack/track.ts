/**
 * CarTrack geometry: seeded closed tracks, precomputed once into flat typed arrays, with the two
 * queries the env needs every step — projecting a point onto the centreline (searched locally around
 * a hint segment) and casting range-finder rays against the road edges (analytic ray–segment tests
 * over a window of nearby edge segments).
 *
 * Conventions: metres, radians, x right / y up, counter-clockwise angles. A track's centreline is a
 * closed polyline of `n` vertices with (near-)uniform spacing; segment `i` runs from vertex `i` to
 * vertex `i+1 (mod n)`. Positive lateral offset = left of the driving direction.
 */
import { Prng } from "../prng";

/** Half the road width: the car leaves the road when its centre is farther than this from the centreline. */
export const HALF_WIDTH = 4.0;
/** Maximum range of a range finder. */
export const RAY_RANGE = 25.0;
/** Number of predefined seeded tracks (`track` = 0 … NUM_TRACKS-1). */
export const NUM_TRACKS = 8;

const TARGET_SPACING = 2.0;
const MIN_RADIUS = 15.0;
/** Parts of the road that are far apart along the track must stay this far apart in the plane. */
const MIN_CLEARANCE = 4 * HALF_WIDTH;

export interface Projection {
  /** Segment index of the closest point. */
  segment: number;
  /** Arc length of the closest point along the centreline, in [0, length). */
  s: number;
  /** Signed lateral offset (left positive), metres. */
  offset: number;
  /** Centreline direction at the closest point (interpolated between vertex tangents), radians. */
  tangent: number;
}

export class Track {
  readonly index: number;
  /** Number of centreline vertices (= segments). */
  readonly n: number;
  /** Total centreline length, metres. */
  readonly length: number;
  /** Centreline vertices. */
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  /** Arc length at each vertex (cum[0] = 0). */
  readonly cum: Float64Array;
  /** Unit direction and length of each centreline segment. */
  readonly ux: Float64Array;
  readonly uy: Float64Array;
  readonly segLength: Float64Array;
  /** Direction of the centreline at each vertex (mean of the adjacent segments), radians. */
  readonly vertexTangent: Float64Array;
  /** Half the road width, metres (HALF_WIDTH for CarTrack-v0). */
  readonly halfWidth: number;
  /** Road edges: vertex i offset by ±halfWidth along the vertex normal (left = +). */
  readonly lx: Float64Array;
  readonly ly: Float64Array;
  readonly rx: Float64Array;
  readonly ry: Float64Array;
  /** Half-width, in vertices, of the edge window searched by a ray. */
  readonly rayWindow: number;
  /** Bounding box of the road, for rendering. */
  readonly bounds: { readonly minX: number; readonly minY: number; readonly maxX: number; readonly maxY: number };
  /** Smallest radius of curvature of the centreline, metres. */
  readonly minRadius: number;

  constructor(index: number, px: Float64Array, py: Float64Array, halfWidth: number = HALF_WIDTH) {
    this.index = index;
    this.halfWidth = halfWidth;
    const n = px.length;
    this.n = n;
    this.cx = px;
    this.cy = py;
    this.cum = new Float64Array(n);
    this.ux = new Float64Array(n);
    this.uy = new Float64Array(n);
    this.segLength = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const dx = (px[j] as number) - (px[i] as number);
      const dy = (py[j] as number) - (py[i] as number);
      const len = Math.hypot(dx, dy);
      this.cum[i] = total;
      this.segLength[i] = len;
      this.ux[i] = dx / len;
      this.uy[i] = dy / len;
      total += len;
    }
    this.length = total;
    this.vertexTangent = new Float64Array(n);
    this.lx = new Float64Array(n);
    this.ly = new Float64Array(n);
    this.rx = new Float64Array(n);
    this.ry = new Float64Array(n);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    let minEdgeSpacing = Infinity;
    let maxCurvature = 0;
    for (let i = 0; i < n; i++) {
      const p = (i + n - 1) % n;
      const tx = (this.ux[p] as number) + (this.ux[i] as number);
      const ty = (this.uy[p] as number) + (this.uy[i] as number);
      const tl = Math.hypot(tx, ty);
      this.vertexTangent[i] = Math.atan2(ty, tx);
      // Miter offset so that the edge stays halfWidth away from both adjacent segments.
      const cosHalf = tl / 2;
      const off = halfWidth / Math.max(cosHalf, 0.5);
      const nx = -ty / tl;
      const ny = tx / tl;
      this.lx[i] = (px[i] as number) + nx * off;
      this.ly[i] = (py[i] as number) + ny * off;
      this.rx[i] = (px[i] as number) - nx * off;
      this.ry[i] = (py[i] as number) - ny * off;
      const turn = wrapAngle(Math.atan2(this.uy[i] as number, this.ux[i] as number) - Math.atan2(this.uy[p] as number, this.ux[p] as number));
      maxCurvature = Math.max(maxCurvature, Math.abs(turn) / (0.5 * ((this.segLength[p] as number) + (this.segLength[i] as number))));
      minX = Math.min(minX, this.lx[i] as number, this.rx[i] as number);
      minY = Math.min(minY, this.ly[i] as number, this.ry[i] as number);
      maxX = Math.max(maxX, this.lx[i] as number, this.rx[i] as number);
      maxY = Math.max(maxY, this.ly[i] as number, this.ry[i] as number);
    }
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      minEdgeSpacing = Math.min(
        minEdgeSpacing,
        Math.hypot((this.lx[j] as number) - (this.lx[i] as number), (this.ly[j] as number) - (this.ly[i] as number)),
        Math.hypot((this.rx[j] as number) - (this.rx[i] as number), (this.ry[j] as number) - (this.ry[i] as number)),
      );
    }
    this.minRadius = maxCurvature > 0 ? 1 / maxCurvature : Infinity;
    // A hit within RAY_RANGE can lie up to ~π/2·RAY_RANGE away along a curving edge.
    this.rayWindow = Math.min(Math.floor(n / 2) - 1, Math.ceil((1.7 * RAY_RANGE) / minEdgeSpacing) + 2);
    this.bounds = { minX, minY, maxX, maxY };
  }

  /** Wraps an arc length into [0, length). */
  wrapS(s: number): number {
    const r = s % this.length;
    return r < 0 ? r + this.length : r;
  }

  /** Centreline point and direction at arc length `s` (any real; wrapped). */
  pointAt(s: number): { x: number; y: number; tangent: number } {
    const w = this.wrapS(s);
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.cum[mid] as number) <= w) lo = mid;
      else hi = mid - 1;
    }
    const u = w - (this.cum[lo] as number);
    return {
      x: (this.cx[lo] as number) + (this.ux[lo] as number) * u,
      y: (this.cy[lo] as number) + (this.uy[lo] as number) * u,
      tangent: this.interpolatedTangent(lo, u),
    };
  }

  private interpolatedTangent(segment: number, u: number): number {
    const a = this.vertexTangent[segment] as number;
    const b = this.vertexTangent[(segment + 1) % this.n] as number;
    const f = u / (this.segLength[segment] as number);
    return a + wrapAngle(b - a) * f;
  }

  /** Squared distance from (x, y) to segment i, and the clamped position `u` along it. */
  private segmentDistance(i: number, x: number, y: number, out: { d2: number; u: number }): void {
    const qx = x - (this.cx[i] as number);
    const qy = y - (this.cy[i] as number);
    const len = this.segLength[i] as number;
    let u = qx * (this.ux[i] as number) + qy * (this.uy[i] as number);
    if (u < 0) u = 0;
    else if (u > len) u = len;
    const ex = qx - (this.ux[i] as number) * u;
    const ey = qy - (this.uy[i] as number) * u;
    out.d2 = ex * ex + ey * ey;
    out.u = u;
  }

  /**
   * Closest centreline point to (x, y). With a `hint` segment only hint ± `radius` segments are
   * searched (the car moves less than a segment per step), falling back to all of them when the best
   * is at the window's edge; without a hint, all of them.
   */
  project(x: number, y: number, hint = -1, radius = 3, out?: Projection): Projection {
    const scratch = SCRATCH;
    let best = -1;
    let bestD2 = Infinity;
    let bestU = 0;
    const n = this.n;
    const from = hint < 0 ? 0 : hint - radius;
    const to = hint < 0 ? n - 1 : hint + radius;
    for (let k = from; k <= to; k++) {
      const i = ((k % n) + n) % n;
      this.segmentDistance(i, x, y, scratch);
      if (scratch.d2 < bestD2) {
        bestD2 = scratch.d2;
        best = i;
        bestU = scratch.u;
      }
    }
    if (hint >= 0 && (best === ((from % n) + n) % n || best === ((to % n) + n) % n)) {
      // The closest segment is at the edge of the window: the point moved farther than expected
      // (e.g. a state set by hand), so search everything.
      return this.project(x, y, -1, 0, out);
    }
    const qx = x - (this.cx[best] as number);
    const qy = y - (this.cy[best] as number);
    const side = (this.ux[best] as number) * qy - (this.uy[best] as number) * qx;
    const result = out ?? { segment: 0, s: 0, offset: 0, tangent: 0 };
    result.segment = best;
    result.s = (this.cum[best] as number) + bestU;
    result.offset = side >= 0 ? Math.sqrt(bestD2) : -Math.sqrt(bestD2);
    result.tangent = this.interpolatedTangent(best, bestU);
    return result;
  }

  /**
   * Distances (metres, capped at RAY_RANGE) from (x, y) along the world angles `heading + angles[k]`
   * to the nearest road edge, written to `out[k]`. Only edge segments within `rayWindow` vertices of
   * `segment` are tested; segments wholly behind the car or out of range are skipped.
   */
  castRays(x: number, y: number, heading: number, segment: number, angles: ArrayLike<number>, out: Float64Array): void {
    const n = this.n;
    const w = this.rayWindow;
    const count = 2 * w + 2;
    const fx = Math.cos(heading);
    const fy = Math.sin(heading);
    const qx = RAY_QX;
    const qy = RAY_QY;
    const keep = RAY_KEEP;
    const farSq = (RAY_RANGE + 2 * TARGET_SPACING) ** 2;
    // Vertices relative to the car, both edges: [0, count) left, [count, 2·count) right.
    for (let k = 0; k < count; k++) {
      const i = (((segment - w + k) % n) + n) % n;
      const ax = (this.lx[i] as number) - x;
      const ay = (this.ly[i] as number) - y;
      const bx = (this.rx[i] as number) - x;
      const by = (this.ry[i] as number) - y;
      qx[k] = ax;
      qy[k] = ay;
      qx[k + count] = bx;
      qy[k + count] = by;
      // 1 = in front of the car (rays never point backwards) and not hopelessly far.
      keep[k] = ax * fx + ay * fy >= 0 && ax * ax + ay * ay < farSq ? 1 : 0;
      keep[k + count] = bx * fx + by * fy >= 0 && bx * bx + by * by < farSq ? 1 : 0;
    }
    const rays = angles.length;
    for (let r = 0; r < rays; r++) {
      out[r] = RAY_RANGE;
      RAY_DIR_X[r] = Math.cos(heading + (angles[r] as number));
      RAY_DIR_Y[r] = Math.sin(heading + (angles[r] as number));
    }
    for (let e = 0; e < 2; e++) {
      const base = e * count;
      for (let k = 0; k < count - 1; k++) {
        const a = base + k;
        if (keep[a] === 0 && keep[a + 1] === 0) continue;
        const x0 = qx[a] as number;
        const y0 = qy[a] as number;
        const ex = (qx[a + 1] as number) - x0;
        const ey = (qy[a + 1] as number) - y0;
        const numT = x0 * ey - y0 * ex; // cross(q0, e)
        for (let r = 0; r < rays; r++) {
          const rx = RAY_DIR_X[r] as number;
          const ry = RAY_DIR_Y[r] as number;
          const denom = rx * ey - ry * ex; // cross(dir, e)
          const numU = x0 * ry - y0 * rx; // cross(q0, dir)
          if (denom > 0) {
            if (numT < 0 || numU < 0 || numU > denom) continue;
          } else if (denom < 0) {
            if (numT > 0 || numU > 0 || numU < denom) continue;
          } else continue;
          const t = numT / denom;
          if (t < (out[r] as number)) out[r] = t;
        }
      }
    }
  }
}

/** Scratch buffers shared by all tracks (single-threaded use; sized for any rayWindow). */
const SCRATCH = { d2: 0, u: 0 };
const MAX_WINDOW_VERTICES = 2048;
const RAY_QX = new Float64Array(2 * MAX_WINDOW_VERTICES);
const RAY_QY = new Float64Array(2 * MAX_WINDOW_VERTICES);
const RAY_KEEP = new Uint8Array(2 * MAX_WINDOW_VERTICES);
const RAY_DIR_X = new Float64Array(64);
const RAY_DIR_Y = new Float64Array(64);

export function wrapAngle(a: number): number {
  let r = a % (2 * Math.PI);
  if (r > Math.PI) r -= 2 * Math.PI;
  else if (r <= -Math.PI) r += 2 * Math.PI;
  return r;
}

const TRACK_CACHE = new Map<string, Track>();

/**
 * The predefined track `index` (0 … NUM_TRACKS-1), generated once from its seed and cached. A
 * `halfWidth` other than HALF_WIDTH gives the same centreline with narrower (or wider) road edges
 * (CarTrack-v1).
 */
export function getTrack(index: number, halfWidth: number = HALF_WIDTH): Track {
  if (!Number.isInteger(index) || index < 0 || index >= NUM_TRACKS) {
    throw new Error(`CarTrack: track must be an integer in 0..${NUM_TRACKS - 1}, got ${index}`);
  }
  const key = `${index}:${halfWidth}`;
  let track = TRACK_CACHE.get(key);
  if (track === undefined) {
    const base = halfWidth === HALF_WIDTH ? generateTrack(index) : getTrack(index);
    track = halfWidth === HALF_WIDTH ? base : new Track(index, base.cx, base.cy, halfWidth);
    TRACK_CACHE.set(key, track);
  }
  return track;
}

/**
 * Track 0 is an ellipse; the others are star-shaped closed curves r(φ) = R·(1 + Σ a_j cos(jφ + p_j)),
 * j = 2…5, stretched by a random aspect ratio, with amplitudes shrunk until the centreline's radius of
 * curvature is ≥ 15 m and distant parts of the road stay ≥ 16 m apart. Odd tracks run clockwise.
 */
function generateTrack(index: number): Track {
  const rng = new Prng(0x7e57 + 7919 * index);
  const radius = index === 0 ? 50 : rng.uniform(45, 60);
  const aspect = index === 0 ? 1.6 : rng.uniform(1.0, 1.5);
  const harmonics = [2, 3, 4, 5].map((j) => ({
    j,
    amp: index === 0 ? 0 : rng.uniform(0, 0.22) / Math.sqrt(j - 1),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  for (let attempt = 0; attempt < 60; attempt++) {
    const [px, py] = resample(closedCurve(radius, aspect, harmonics, 1440), TARGET_SPACING, index % 2 === 1);
    const track = new Track(index, px, py);
    if (track.minRadius >= MIN_RADIUS && clearanceOk(track)) return track;
    for (const h of harmonics) h.amp *= 0.85;
  }
  throw new Error(`CarTrack: could not generate track ${index}`);
}

function closedCurve(
  radius: number,
  aspect: number,
  harmonics: readonly { j: number; amp: number; phase: number }[],
  samples: number,
): [Float64Array, Float64Array] {
  const xs = new Float64Array(samples);
  const ys = new Float64Array(samples);
  for (let k = 0; k < samples; k++) {
    const phi = (2 * Math.PI * k) / samples;
    let r = 1;
    for (const h of harmonics) r += h.amp * Math.cos(h.j * phi + h.phase);
    xs[k] = radius * r * Math.cos(phi) * Math.sqrt(aspect);
    ys[k] = (radius * r * Math.sin(phi)) / Math.sqrt(aspect);
  }
  return [xs, ys];
}

/** Resamples a closed polyline to near-uniform spacing (integer number of equal arc-length steps). */
function resample([xs, ys]: [Float64Array, Float64Array], spacing: number, reverse: boolean): [Float64Array, Float64Array] {
  const m = xs.length;
  const cum = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) {
    const j = (k + 1) % m;
    cum[k + 1] = (cum[k] as number) + Math.hypot((xs[j] as number) - (xs[k] as number), (ys[j] as number) - (ys[k] as number));
  }
  const total = cum[m] as number;
  const n = Math.max(16, Math.round(total / spacing));
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const s = (total * i) / n;
    while ((cum[k + 1] as number) < s) k++;
    const j = (k + 1) % m;
    const f = (s - (cum[k] as number)) / ((cum[k + 1] as number) - (cum[k] as number));
    const o = reverse ? (n - i) % n : i;
    px[o] = (xs[k] as number) + f * ((xs[j] as number) - (xs[k] as number));
    py[o] = (ys[k] as number) + f * ((ys[j] as number) - (ys[k] as number));
  }
  return [px, py];
}

function clearanceOk(track: Track): boolean {
  const n = track.n;
  const minSq = MIN_CLEARANCE * MIN_CLEARANCE;
  const arcGap = 3 * MIN_CLEARANCE;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const along = Math.abs((track.cum[j] as number) - (track.cum[i] as number));
      if (Math.min(along, track.length - along) < arcGap) continue;
      const dx = (track.cx[j] as number) - (track.cx[i] as number);
      const dy = (track.cy[j] as number) - (track.cy[i] as number);
      if (dx * dx + dy * dy < minSq) return false;
    }
  }
  return true;
}
