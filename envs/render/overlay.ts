/**
 * Proposed-action overlays: which actions are drawn over a state, in which colour, and the legend.
 * Each env renderer decides *how* an action looks (a force arrow, a torque arc, a steering line);
 * this module keeps the colours and the legend identical across envs.
 */
import type { RenderContext, RenderOverlay } from "../env";
import type { Action } from "../spaces";
import { COLORS, drawTextLines } from "./canvas";

export type OverlayRole = "policy" | "expert" | "label";

/** Colours chosen to be distinguishable with the common colour-vision deficiencies. */
export const OVERLAY_COLORS: Readonly<Record<OverlayRole, string>> = {
  policy: "#e8871e",
  expert: "#3a6fb0",
  label: "#2e9e44",
};

export interface OverlayItem {
  readonly role: OverlayRole;
  readonly action: Action;
  readonly color: string;
  /** 0, 1, 2 in drawing order: renderers offset the items so they do not hide each other. */
  readonly slot: number;
}

/** The overlay's actions that are present, in the order policy, expert, label. */
export function overlayItems(overlay: RenderOverlay): OverlayItem[] {
  const items: OverlayItem[] = [];
  const add = (role: OverlayRole, action: Action | undefined): void => {
    if (action !== undefined) items.push({ role, action, color: OVERLAY_COLORS[role], slot: items.length });
  };
  add("policy", overlay.policyAction);
  add("expert", overlay.expertAction);
  add("label", overlay.labelAction);
  return items;
}

/** Component `i` of an action as a number (a discrete action is its own component 0). */
export function actionComponent(action: Action, i = 0): number {
  if (typeof action === "number") return action;
  const v = action[i];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Draws the caption (top left) and a colour legend for the present overlay items (top right). */
export function drawOverlayLegend(ctx: RenderContext, overlay: RenderOverlay, extraLines: readonly string[] = []): void {
  const lines = overlay.caption === undefined ? [...extraLines] : [overlay.caption, ...extraLines];
  drawTextLines(ctx, lines);
  const items = overlayItems(overlay);
  if (items.length === 0) return;
  const size = Math.max(11, Math.round(ctx.canvas.height / 28));
  ctx.font = `${size}px sans-serif`;
  ctx.textBaseline = "top";
  ctx.textAlign = "right";
  const right = ctx.canvas.width - 8;
  items.forEach((item, i) => {
    const y = 8 + i * (size + 3);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(item.role, right, y);
    const textWidth = ctx.measureText(item.role).width;
    ctx.fillStyle = item.color;
    ctx.fillRect(right - textWidth - size - 4, y + 1, size, size - 2);
  });
}
