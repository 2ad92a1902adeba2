/**
 * Fork-v0 renderer: the corridor seen from above with the direction of travel to the right, the
 * obstacle, the goal line, the agent, and for each overlay action the velocity it gives over one second.
 */
import type { RenderContext, RenderOverlay } from "../env";
import { COLORS, beginFrame, drawArrow, fillCircle, strokeLine } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { COURSE, CONTACT_DISTANCE } from "./course";

export function renderFork(ctx: RenderContext, state: readonly number[], overlay: RenderOverlay = {}): void {
  const { width, height } = beginFrame(ctx);
  const [x = 0, y = 0, obstacleX = 0, obstacleY = 0] = state;
  const yMin = -1;
  const yMax = COURSE.goalY + 1;
  const scale = Math.min(width / (yMax - yMin), (height * 0.8) / (2 * COURSE.halfWidth));
  const left = (width - (yMax - yMin) * scale) / 2;
  // Screen: forward y → right; lateral x (positive = right of travel) → down.
  const sx = (fwd: number): number => left + (fwd - yMin) * scale;
  const sy = (lat: number): number => height / 2 + lat * scale;

  ctx.fillStyle = "#e9e4d4";
  ctx.fillRect(sx(yMin), sy(-COURSE.halfWidth), (yMax - yMin) * scale, 2 * COURSE.halfWidth * scale);
  strokeLine(ctx, sx(yMin), sy(-COURSE.halfWidth), sx(yMax), sy(-COURSE.halfWidth), COLORS.ground, 3);
  strokeLine(ctx, sx(yMin), sy(COURSE.halfWidth), sx(yMax), sy(COURSE.halfWidth), COLORS.ground, 3);
  // Start and goal lines.
  strokeLine(ctx, sx(0), sy(-COURSE.halfWidth), sx(0), sy(COURSE.halfWidth), COLORS.muted, 2);
  ctx.setLineDash([6, 5]);
  strokeLine(ctx, sx(COURSE.goalY), sy(-COURSE.halfWidth), sx(COURSE.goalY), sy(COURSE.halfWidth), COLORS.goal, 4);
  ctx.setLineDash([]);
  // The obstacle, with its contact zone for the agent's centre.
  ctx.strokeStyle = "rgba(196, 78, 82, 0.45)";
  ctx.lineWidth = 1.5;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.arc(sx(obstacleY), sy(obstacleX), CONTACT_DISTANCE * scale, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.setLineDash([]);
  fillCircle(ctx, sx(obstacleY), sy(obstacleX), COURSE.obstacleRadius * scale, COLORS.accent);
  // The agent.
  fillCircle(ctx, sx(y), sy(x), COURSE.agentRadius * scale, COLORS.body);
  // Overlays: the velocity each action gives (forward speed + lateral command) over the next second.
  for (const item of overlayItems(overlay)) {
    const a = Math.max(-1, Math.min(1, actionComponent(item.action)));
    const seconds = 1 - 0.12 * item.slot;
    drawArrow(
      ctx,
      sx(y),
      sy(x),
      sx(y + COURSE.forwardSpeed * seconds),
      sy(x + a * COURSE.lateralSpeed * seconds),
      item.color,
      3,
    );
  }
  drawOverlayLegend(ctx, overlay);
}
