/**
 * CarTrack renderer: a chase view (the car points up, about ±30 m around it) with the road, the
 * range-finder rays and, for each overlay action, the path that steering would drive over the next
 * 1.5 s; plus a mini-map of the whole track with the car and the episode's start line.
 */
import type { RenderContext, RenderOverlay } from "../env";
import { COLORS, beginFrame, fillCircle } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { CAR, RAY_ANGLES } from "./car";
import { HALF_WIDTH, RAY_RANGE, getTrack } from "./track";
import type { Track } from "./track";

const GRASS = "#8fbf73";
const ROAD = "#6b6b6b";
const CAR_LENGTH = 4.5;
const CAR_WIDTH = 2.0;
const PREVIEW_SECONDS = 1.5;

function roadPath(ctx: RenderContext, track: Track): void {
  ctx.beginPath();
  for (const [xs, ys] of [
    [track.lx, track.ly],
    [track.rx, track.ry],
  ] as const) {
    for (let i = 0; i < track.n; i++) {
      if (i === 0) ctx.moveTo(xs[i] as number, ys[i] as number);
      else ctx.lineTo(xs[i] as number, ys[i] as number);
    }
    ctx.closePath();
  }
}

function drawRoad(ctx: RenderContext, track: Track, pixel: number, detailed: boolean): void {
  roadPath(ctx, track);
  ctx.fillStyle = ROAD;
  ctx.fill("evenodd");
  if (!detailed) return;
  ctx.strokeStyle = "#f4f4f4";
  ctx.lineWidth = 2 * pixel;
  ctx.stroke();
  ctx.setLineDash([10 * pixel, 10 * pixel]);
  ctx.strokeStyle = "#e8d25a";
  ctx.lineWidth = 1.5 * pixel;
  ctx.beginPath();
  for (let i = 0; i <= track.n; i++) {
    const k = i % track.n;
    if (i === 0) ctx.moveTo(track.cx[k] as number, track.cy[k] as number);
    else ctx.lineTo(track.cx[k] as number, track.cy[k] as number);
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

/** A line across the road at arc length `s` (the episode's start/finish line). */
function drawStartLine(ctx: RenderContext, track: Track, s: number, lineWidth: number): void {
  const p = track.pointAt(s);
  const nx = -Math.sin(p.tangent) * track.halfWidth;
  const ny = Math.cos(p.tangent) * track.halfWidth;
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = lineWidth;
  ctx.beginPath();
  ctx.moveTo(p.x + nx, p.y + ny);
  ctx.lineTo(p.x - nx, p.y - ny);
  ctx.stroke();
}

/** Draws CarTrack `state` (layout `CARTRACK_STATE_FIELDS`) with optional steering overlays (v1: a narrower road). */
export function renderCarTrack(
  ctx: RenderContext,
  state: readonly number[],
  overlay: RenderOverlay = {},
  halfWidth: number = HALF_WIDTH,
): void {
  const { width, height } = beginFrame(ctx, GRASS);
  const [trackIndex = 0, x = 0, y = 0, heading = 0, speed = 0, steer = 0, , progress = 0] = state;
  const track = getTrack(trackIndex, halfWidth);
  const proj = track.project(x, y);
  const startS = track.wrapS(proj.s - progress);

  // Chase view: metres → pixels, y up, the car's heading pointing up the screen.
  const scale = Math.min(width, height) / (2 * RAY_RANGE + 10);
  const px = 1 / scale;
  ctx.save();
  ctx.translate(width / 2, height * 0.68);
  ctx.scale(scale, -scale);
  ctx.rotate(Math.PI / 2 - heading);
  ctx.translate(-x, -y);
  drawRoad(ctx, track, px, true);
  drawStartLine(ctx, track, startS, 6 * px);

  // Range finders.
  const rays = new Float64Array(RAY_ANGLES.length);
  track.castRays(x, y, heading, proj.segment, RAY_ANGLES, rays);
  ctx.lineWidth = 1.5 * px;
  RAY_ANGLES.forEach((angle, k) => {
    const d = rays[k] as number;
    const hx = x + Math.cos(heading + angle) * d;
    const hy = y + Math.sin(heading + angle) * d;
    ctx.strokeStyle = "rgba(255, 80, 60, 0.75)";
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(hx, hy);
    ctx.stroke();
    if (d < RAY_RANGE) fillCircle(ctx, hx, hy, 3 * px, "#ff503c");
  });

  // Predicted paths for proposed steering actions (arcs of constant curvature).
  for (const item of overlayItems(overlay)) {
    const a = Math.max(-1, Math.min(1, actionComponent(item.action)));
    const kappa = Math.tan(a * CAR.maxSteer) / CAR.wheelbase / (1 + CAR.understeer * speed * speed);
    const length = Math.max(speed, 4) * PREVIEW_SECONDS;
    ctx.strokeStyle = item.color;
    ctx.lineWidth = (4 - item.slot) * px;
    ctx.beginPath();
    let cx = x;
    let cy = y;
    let h = heading;
    ctx.moveTo(cx, cy);
    const steps = 16;
    for (let k = 0; k < steps; k++) {
      h += (kappa * length) / steps;
      cx += (Math.cos(h) * length) / steps;
      cy += (Math.sin(h) * length) / steps;
      ctx.lineTo(cx, cy);
    }
    ctx.stroke();
    fillCircle(ctx, cx, cy, (6 - item.slot) * px, item.color);
  }

  // The car, with its front wheels at the current wheel angle.
  ctx.translate(x, y);
  ctx.rotate(heading);
  ctx.fillStyle = COLORS.body;
  ctx.fillRect(-CAR_LENGTH / 2, -CAR_WIDTH / 2, CAR_LENGTH, CAR_WIDTH);
  ctx.fillStyle = "#e8e8e8";
  ctx.fillRect(CAR_LENGTH * 0.1, -CAR_WIDTH * 0.4, CAR_LENGTH * 0.22, CAR_WIDTH * 0.8);
  for (const side of [-1, 1]) {
    ctx.save();
    ctx.translate(CAR_LENGTH * 0.32, side * CAR_WIDTH * 0.55);
    ctx.rotate(steer);
    ctx.fillStyle = "#111111";
    ctx.fillRect(-0.4, -0.15, 0.8, 0.3);
    ctx.restore();
  }
  ctx.restore();

  // Mini-map of the whole track, bottom-right.
  const mapSize = Math.min(width, height) * 0.3;
  const b = track.bounds;
  const mapScale = mapSize / Math.max(b.maxX - b.minX, b.maxY - b.minY);
  const mapLeft = width - mapSize - 8;
  const mapTop = height - mapSize - 8;
  ctx.fillStyle = "rgba(255, 255, 255, 0.7)";
  ctx.fillRect(mapLeft - 4, mapTop - 4, mapSize + 8, mapSize + 8);
  ctx.save();
  ctx.translate(mapLeft + mapSize / 2, mapTop + mapSize / 2);
  ctx.scale(mapScale, -mapScale);
  ctx.translate(-(b.minX + b.maxX) / 2, -(b.minY + b.maxY) / 2);
  drawRoad(ctx, track, 1 / mapScale, false);
  drawStartLine(ctx, track, startS, 2 / mapScale);
  fillCircle(ctx, x, y, 4 / mapScale, COLORS.accent);
  ctx.restore();

  const lap = progress / track.length;
  drawOverlayLegend(ctx, overlay, [
    `track ${trackIndex} · lap ${(lap * 100).toFixed(0)}%`,
    `${speed.toFixed(1)} m/s · offset ${proj.offset.toFixed(1)} m`,
  ]);
}
