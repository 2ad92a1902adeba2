"use client";

/**
 * Runs `onStep` at the env's real-time rate × `speed` while `running`, on animation frames (at most
 * `maxStepsPerFrame` per frame so a background tab does not fast-forward). `onStep` returns false to stop.
 */
import { useEffect, useRef } from "react";

export function useSimLoop(running: boolean, dt: number, speed: number, onStep: (elapsedMs: number) => boolean | void, onFrame?: () => void, maxStepsPerFrame = 4) {
  const step = useRef(onStep);
  step.current = onStep;
  const frame = useRef(onFrame);
  frame.current = onFrame;
  useEffect(() => {
    if (!running) return;
    let raf = 0;
    let prev = performance.now();
    let acc = 0;
    const period = Math.max(1e-3, dt) / Math.max(1e-3, speed);
    const tick = (now: number) => {
      const elapsed = Math.min(250, now - prev);
      prev = now;
      acc += elapsed / 1000;
      let n = 0;
      while (acc >= period && n < maxStepsPerFrame) {
        acc -= period;
        n++;
        if (step.current(period * 1000) === false) {
          frame.current?.();
          return;
        }
      }
      if (n === maxStepsPerFrame) acc = 0;
      frame.current?.();
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [running, dt, speed, maxStepsPerFrame]);
}
