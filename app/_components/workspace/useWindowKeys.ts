"use client";

/**
 * Window-wide keys for a workspace view: one `keydown` (and optionally `keyup`/`blur`) listener for the page's
 * lifetime, calling the handlers of the latest render. Re-registering a listener on every render (the handlers
 * close over state) would be churn on the hottest path of keyboard labelling.
 */
import { useEffect, useRef } from "react";

export interface WindowKeyHandlers {
  down: (e: KeyboardEvent) => void;
  up?: (e: KeyboardEvent) => void;
  /** The window lost focus: keys held are no longer held. */
  blur?: () => void;
}

export function useWindowKeys(handlers: WindowKeyHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const down = (e: KeyboardEvent) => ref.current.down(e);
    const up = (e: KeyboardEvent) => ref.current.up?.(e);
    const blur = () => ref.current.blur?.();
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
    };
  }, []);
}

/** The next speed of `speeds` from `speed` in direction `dir` ([ slower, ] faster), staying at the ends. */
export function stepSpeed(speeds: readonly number[], speed: number, dir: 1 | -1): number {
  const i = speeds.indexOf(speed);
  return speeds[Math.max(0, Math.min(speeds.length - 1, i + dir))] ?? speed;
}
