"use client";

/**
 * The action a labeller holds while a replay runs (ride-along): digits and arrows pick a discrete action and
 * it stays picked; held arrows ramp a continuous one at the full range per second, 0 centres it; a gamepad
 * stick sets it directly (d-pad for discrete); dragging on the picture sets it from the pointer. `poll` is
 * called once per replay frame (the ramp needs the elapsed time); `now()` reads the value at that very frame,
 * between renders.
 */
import { useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import type { TSpace } from "@/contracts/spaces";
import { arrowAction, boxMid, clampBox, digitAction } from "@/app/_components/control/actions";
import { axisToValue, readPad } from "@/app/_components/control/gamepad";

export interface HeldAction {
  held: number | number[];
  now: () => number | number[];
  set: (v: number | number[]) => void;
  poll: (elapsedMs: number) => void;
  /** A steering key went down; the caller has already taken its own keys and checked modifiers. */
  keyDown: (e: KeyboardEvent) => void;
  keyUp: (key: string) => void;
  /** The window lost focus: no key is held any more. */
  releaseKeys: () => void;
  pointer: {
    onPointerDown: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerMove: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerUp: () => void;
  };
}

export function useHeldAction(space: TSpace): HeldAction {
  const [held, setHeld] = useState<number | number[]>(() => (space.type === "box" ? boxMid(space) : space.n % 2 === 1 ? Math.floor(space.n / 2) : 0));
  const heldRef = useRef(held);
  heldRef.current = held;
  const keysDown = useRef(new Set<string>());
  const dragging = useRef(false);

  const set = (v: number | number[]) => {
    heldRef.current = v;
    setHeld(v);
  };

  const poll = (elapsedMs: number) => {
    const pad = readPad();
    if (space.type === "box") {
      let v = [...(heldRef.current as number[])];
      if (pad && pad.axes.some((a, i) => i < space.shape[0] && a !== 0)) v = space.low.map((lo, i) => axisToValue(pad.axes[i] ?? 0, lo, space.high[i] ?? lo));
      const rate = elapsedMs / 1000;
      const range0 = (space.high[0] ?? 1) - (space.low[0] ?? -1);
      if (keysDown.current.has("ArrowLeft")) v[0] = (v[0] ?? 0) - rate * range0;
      if (keysDown.current.has("ArrowRight")) v[0] = (v[0] ?? 0) + rate * range0;
      if (space.shape[0] > 1) {
        const range1 = (space.high[1] ?? 1) - (space.low[1] ?? -1);
        if (keysDown.current.has("ArrowDown")) v[1] = (v[1] ?? 0) - rate * range1;
        if (keysDown.current.has("ArrowUp")) v[1] = (v[1] ?? 0) + rate * range1;
      }
      v = clampBox(space, v);
      if (v.some((x, i) => x !== (heldRef.current as number[])[i])) set(v);
    } else if (pad) {
      const a = pad.pressed[14] ? 0 : pad.pressed[15] ? space.n - 1 : null;
      if (a !== null && a !== heldRef.current) set(a);
    }
  };

  const keyDown = (e: KeyboardEvent) => {
    const k = e.key;
    const onSlider = e.target instanceof HTMLInputElement && e.target.type === "range";
    if (space.type === "discrete") {
      const a = digitAction(k, space.n) ?? (onSlider ? null : arrowAction(k, space.n));
      if (a !== null) {
        e.preventDefault();
        set(a);
      }
      return;
    }
    if (onSlider) return;
    if (k.startsWith("Arrow")) {
      e.preventDefault();
      keysDown.current.add(k);
    }
    if (k === "0") {
      e.preventDefault();
      set(boxMid(space));
    }
  };

  const dragTo = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (space.type !== "box") return;
    const r = e.currentTarget.getBoundingClientRect();
    const v = [...(heldRef.current as number[])];
    v[0] = (space.low[0] ?? -1) + ((e.clientX - r.left) / r.width) * ((space.high[0] ?? 1) - (space.low[0] ?? -1));
    if (space.shape[0] > 1) v[1] = (space.low[1] ?? -1) + (1 - (e.clientY - r.top) / r.height) * ((space.high[1] ?? 1) - (space.low[1] ?? -1));
    set(clampBox(space, v));
  };

  return {
    held,
    now: () => heldRef.current,
    set,
    poll,
    keyDown,
    keyUp: (key: string) => void keysDown.current.delete(key),
    releaseKeys: () => keysDown.current.clear(),
    pointer: {
      onPointerDown: (e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        dragTo(e);
      },
      onPointerMove: (e) => {
        if (dragging.current) dragTo(e);
      },
      onPointerUp: () => {
        dragging.current = false;
      },
    },
  };
}
