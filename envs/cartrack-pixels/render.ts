/**
 * Shows a person the pixels the policy sees: the rasterised image scaled to fill the canvas with square,
 * unsmoothed pixels (no resampling: each image pixel is one flat block), then the proposed steering of each
 * overlay action as an arrow from the car, and the usual legend.
 */
import { CAR } from "../cartrack/car";
import type { RenderContext, RenderOverlay } from "../env";
import { beginFrame, drawArrow } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { IMAGE_HEIGHT, IMAGE_WIDTH } from "./rasterise";

export function drawPixelView(ctx: RenderContext, pixels: Uint8Array, state: readonly number[], overlay: RenderOverlay): void {
  const { width, height } = beginFrame(ctx); // the light page background: the legend text stays readable beside the image
  const scale = Math.min(width / IMAGE_WIDTH, height / IMAGE_HEIGHT);
  const x0 = (width - scale * IMAGE_WIDTH) / 2;
  const y0 = (height - scale * IMAGE_HEIGHT) / 2;
  for (let r = 0; r < IMAGE_HEIGHT; r++) {
    for (let c = 0; c < IMAGE_WIDTH; c++) {
      const o = (r * IMAGE_WIDTH + c) * 3;
      ctx.fillStyle = `rgb(${pixels[o]},${pixels[o + 1]},${pixels[o + 2]})`;
      // Blocks overlap by a fraction of a pixel so no seams show between them at non-integer scales.
      ctx.fillRect(x0 + c * scale, y0 + r * scale, scale + 0.5, scale + 0.5);
    }
  }
  // The car's nose, in canvas pixels (rasterise.ts puts the car at row 56, column 32, facing up).
  const carX = x0 + 32 * scale;
  const carY = y0 + 50 * scale;
  for (const item of overlayItems(overlay)) {
    const a = Math.max(-1, Math.min(1, actionComponent(item.action)));
    const angle = a * CAR.maxSteer * 2; // exaggerated so small corrections are visible
    const len = 14 * scale;
    drawArrow(ctx, carX, carY, carX - Math.sin(angle) * len, carY - Math.cos(angle) * len, item.color, Math.max(2, scale * (1.2 - 0.3 * item.slot)));
  }
  drawOverlayLegend(ctx, overlay, [`speed ${(state[4] ?? 0).toFixed(1)} m/s`]);
}
