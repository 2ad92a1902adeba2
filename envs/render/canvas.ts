/**
 * Small canvas drawing primitives shared by the env renderers. Every renderer draws in CSS pixels of
 * the context's canvas (`ctx.canvas.width × height`), so it works on any canvas size.
 */
import type { RenderContext } from "../env";

export const COLORS = {
  background: "#f7f7f2",
  ground: "#3b3b3b",
  body: "#2b4c7e",
  accent: "#c44e52",
  muted: "#9a9a9a",
  text: "#222222",
  goal: "#2ca02c",
} as const;

/** Resets the transform, fills the background and returns the canvas size. */
export function beginFrame(ctx: RenderContext, background: string = COLORS.background): { width: number; height: number } {
  const { width, height } = ctx.canvas;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, height);
  return { width, height };
}

/** A straight arrow from (x0, y0) to (x1, y1) with a filled head; nothing for a zero-length arrow. */
export function drawArrow(
  ctx: RenderContext,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: string,
  lineWidth = 3,
): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (len < 1e-6) return;
  const head = Math.min(4 * lineWidth, len * 0.6);
  const ux = dx / len;
  const uy = dy / len;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1 - ux * head * 0.8, y1 - uy * head * 0.8);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - ux * head - uy * head * 0.5, y1 - uy * head + ux * head * 0.5);
  ctx.lineTo(x1 - ux * head + uy * head * 0.5, y1 - uy * head - ux * head * 0.5);
  ctx.closePath();
  ctx.fill();
}

/**
 * A circular arc arrow around (cx, cy) of radius r, from angle a0 sweeping by `sweep` radians
 * (canvas angles: clockwise on screen for positive sweep), with a head at the end.
 */
export function drawArcArrow(
  ctx: RenderContext,
  cx: number,
  cy: number,
  r: number,
  a0: number,
  sweep: number,
  color: string,
  lineWidth = 3,
): void {
  if (Math.abs(sweep) < 1e-3) return;
  const a1 = a0 + sweep;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.arc(cx, cy, r, a0, a1, sweep < 0);
  ctx.stroke();
  // Head: a triangle tangent to the arc at a1.
  const ex = cx + r * Math.cos(a1);
  const ey = cy + r * Math.sin(a1);
  const dir = Math.sign(sweep);
  const tx = -Math.sin(a1) * dir;
  const ty = Math.cos(a1) * dir;
  const head = 4 * lineWidth;
  ctx.beginPath();
  ctx.moveTo(ex + tx * head * 0.6, ey + ty * head * 0.6);
  ctx.lineTo(ex - tx * head * 0.4 + ty * head * 0.5, ey - ty * head * 0.4 - tx * head * 0.5);
  ctx.lineTo(ex - tx * head * 0.4 - ty * head * 0.5, ey - ty * head * 0.4 + tx * head * 0.5);
  ctx.closePath();
  ctx.fill();
}

/** A filled circle. */
export function fillCircle(ctx: RenderContext, x: number, y: number, r: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}

/** A thick line segment. */
export function strokeLine(
  ctx: RenderContext,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: string,
  lineWidth: number,
): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

/** Text in the top-left corner, one entry per line. */
export function drawTextLines(ctx: RenderContext, lines: readonly string[], x = 8, y = 8): void {
  if (lines.length === 0) return;
  const size = Math.max(11, Math.round(ctx.canvas.height / 28));
  ctx.font = `${size}px sans-serif`;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillStyle = COLORS.text;
  lines.forEach((line, i) => ctx.fillText(line, x, y + i * (size + 3)));
}
