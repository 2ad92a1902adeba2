/**
 * Shows a person the pixels the policy sees: the rasterised image scaled to fill the canvas with square,
 * unsmoothed pixels (no resampling: each image pixel is one flat block), then the proposed steering of each
 * overlay action as an arrow from the car, and the usual legend.
 *
 * The image goes onto a 64×64 scratch canvas in one putImageData and is scaled up with nearest-neighbour
 * drawImage: in Debian's Chromium without a GPU that draw takes ~0.2 ms, where 4,096 fillRects (each with its own
 * `rgb(…)` fillStyle to parse) took ~11 ms — on every state shown and on every nudge of a steering label. Where
 * there is no OffscreenCanvas (a Node canvas), the blocks are filled one by one: the same picture.
 */
import { CAR } from "../cartrack/car";
import type { RenderContext, RenderOverlay } from "../env";
import { beginFrame, drawArrow } from "../render/canvas";
import { actionComponent, drawOverlayLegend, overlayItems } from "../render/overlay";
import { IMAGE_HEIGHT, IMAGE_WIDTH } from "./rasterise";

/** The scratch canvas the image is put on before scaling (null where the platform has no OffscreenCanvas). */
let scratch: { ctx: OffscreenCanvasRenderingContext2D; image: ImageData } | null | undefined;

function scratchCanvas(): { ctx: OffscreenCanvasRenderingContext2D; image: ImageData } | null {
  if (scratch !== undefined) return scratch;
  scratch = null;
  try {
    if (typeof OffscreenCanvas !== "undefined") {
      const ctx = new OffscreenCanvas(IMAGE_WIDTH, IMAGE_HEIGHT).getContext("2d");
      if (ctx) scratch = { ctx, image: ctx.createImageData(IMAGE_WIDTH, IMAGE_HEIGHT) };
    }
  } catch {
    scratch = null;
  }
  return scratch;
}

/** `pixels` (`64 × 64 × 3`, row major) as flat `scale`-sized blocks from (x0, y0). */
function drawImageBlocks(ctx: RenderContext, pixels: Uint8Array, x0: number, y0: number, scale: number): void {
  const s = scratchCanvas();
  if (s) {
    const rgba = s.image.data;
    for (let k = 0, o = 0; k < IMAGE_WIDTH * IMAGE_HEIGHT; k++, o += 3) {
      rgba[4 * k] = pixels[o]!;
      rgba[4 * k + 1] = pixels[o + 1]!;
      rgba[4 * k + 2] = pixels[o + 2]!;
      rgba[4 * k + 3] = 255;
    }
    s.ctx.putImageData(s.image, 0, 0);
    const smoothing = ctx.imageSmoothingEnabled;
    ctx.imageSmoothingEnabled = false; // nearest neighbour: every image pixel one flat block
    ctx.drawImage(s.ctx.canvas, x0, y0, scale * IMAGE_WIDTH, scale * IMAGE_HEIGHT);
    ctx.imageSmoothingEnabled = smoothing;
    return;
  }
  for (let r = 0; r < IMAGE_HEIGHT; r++) {
    for (let c = 0; c < IMAGE_WIDTH; c++) {
      const o = (r * IMAGE_WIDTH + c) * 3;
      ctx.fillStyle = `rgb(${pixels[o]},${pixels[o + 1]},${pixels[o + 2]})`;
      // Blocks overlap by a fraction of a pixel so no seams show between them at non-integer scales.
      ctx.fillRect(x0 + c * scale, y0 + r * scale, scale + 0.5, scale + 0.5);
    }
  }
}

export function drawPixelView(ctx: RenderContext, pixels: Uint8Array, state: readonly number[], overlay: RenderOverlay): void {
  const { width, height } = beginFrame(ctx); // the light page background: the legend text stays readable beside the image
  const scale = Math.min(width / IMAGE_WIDTH, height / IMAGE_HEIGHT);
  const x0 = (width - scale * IMAGE_WIDTH) / 2;
  const y0 = (height - scale * IMAGE_HEIGHT) / 2;
  drawImageBlocks(ctx, pixels, x0, y0, scale);
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
