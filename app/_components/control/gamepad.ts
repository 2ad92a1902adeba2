/**
 * Gamepad API polling: the first connected pad's sticks and buttons, sampled once per animation frame by
 * whoever needs them (the labelling view, teleoperation, takeover). Buttons follow the "standard" mapping:
 * 0 = A (submit), 1 = B (can't tell), 2 = X (undo), 14/15 = d-pad left/right.
 */
export interface PadSample {
  axes: readonly number[];
  pressed: readonly boolean[];
}

export const DEADZONE = 0.12;

export function readPad(): PadSample | null {
  if (typeof navigator === "undefined" || typeof navigator.getGamepads !== "function") return null;
  for (const pad of navigator.getGamepads()) {
    if (pad && pad.connected) return { axes: pad.axes.map((a) => (Math.abs(a) < DEADZONE ? 0 : a)), pressed: pad.buttons.map((b) => b.pressed) };
  }
  return null;
}

/** Which buttons went down since the previous sample. */
export function newlyPressed(prev: PadSample | null, now: PadSample): number[] {
  const out: number[] = [];
  now.pressed.forEach((p, i) => {
    if (p && !prev?.pressed[i]) out.push(i);
  });
  return out;
}

/** Stick position (−1..1) → a value in [low, high], centred on the range's mid point. */
export function axisToValue(axis: number, low: number, high: number): number {
  const mid = low <= 0 && high >= 0 ? 0 : (low + high) / 2;
  return axis >= 0 ? mid + axis * (high - mid) : mid + axis * (mid - low);
}
