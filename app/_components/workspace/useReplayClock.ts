"use client";

/**
 * The clock of a ride-along replay: it plays a rollout's steps forward in real time × `speed` (`dt` seconds per
 * step at 1×) on animation frames, and whenever it reaches a step that `reach` marks (a labelling task), it
 * hands that mark to `onDue` `delayMs` later — the labeller's reaction time, so the action held then is the one
 * meant for that state. A background tab catches up on return (every step passed is reached, none skipped). The
 * replay ends once the last step is reached and nothing is still due; `onEnd` gets the seconds it played,
 * pauses excluded.
 *
 * `useReplay` is the other replay (a task's temporal context: scrubbing, stops at the state); the live views
 * (demos, takeover) simulate instead of replaying and run on `useSimLoop`.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { SPEEDS } from "./useReplay";
import { stepSpeed } from "./useWindowKeys";

export interface ReplayClockOptions {
  /** The replay's steps; a new array is a new replay (call `restart`). null: nothing to play. */
  steps: readonly unknown[] | null;
  dt: number;
  /** How long after reaching a marked step its `onDue` fires. */
  delayMs: number;
  /** Step `i` was reached: a mark to hand to `onDue` `delayMs` later, or undefined for none. */
  reach: (i: number) => string | undefined;
  onDue: (mark: string) => void;
  /** Once per animation frame while playing, with the milliseconds since the previous one. */
  onFrame?: (elapsedMs: number) => void;
  onEnd: (end: { replaySeconds: number; speed: number }) => void;
}

export interface ReplayClock {
  index: number;
  playing: boolean;
  speed: number;
  setSpeed: (s: number) => void;
  /** `]` (1) or `[` (-1): the next of `SPEEDS`. */
  stepSpeed: (dir: 1 | -1) => void;
  toggle: () => void;
  pause: () => void;
  /** From the first step, playing, with nothing due (a new replay). */
  restart: () => void;
  /** Pause and forget what is due (the replay was taken away). */
  stop: () => void;
}

export function useReplayClock({ steps, dt, delayMs, reach, onDue, onFrame, onEnd }: ReplayClockOptions): ReplayClock {
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(0.5);
  const indexRef = useRef(0);
  const due = useRef<{ mark: string; at: number }[]>([]);
  const replayMs = useRef(0);
  const calls = useRef({ reach, onDue, onFrame, onEnd });
  calls.current = { reach, onDue, onFrame, onEnd };

  useEffect(() => {
    if (!playing || !steps) return;
    let raf = 0;
    let prev = performance.now();
    let acc = 0;
    const period = Math.max(1e-3, dt);
    const arrive = (i: number, now: number) => {
      const mark = calls.current.reach(i);
      if (mark !== undefined) due.current.push({ mark, at: now + delayMs });
    };
    if (indexRef.current === 0) arrive(0, prev);
    const tick = (now: number) => {
      const elapsed = now - prev;
      prev = now;
      replayMs.current += elapsed;
      acc += (elapsed / 1000) * speed;
      const n = Math.floor(acc / period);
      if (n > 0) {
        acc -= n * period;
        const from = indexRef.current;
        const to = Math.min(steps.length - 1, from + n);
        for (let i = from + 1; i <= to; i++) arrive(i, now);
        indexRef.current = to;
        setIndex(to);
      }
      calls.current.onFrame?.(elapsed);
      while (due.current[0] && due.current[0].at <= now) calls.current.onDue(due.current.shift()!.mark);
      if (indexRef.current >= steps.length - 1 && due.current.length === 0) {
        setPlaying(false);
        calls.current.onEnd({ replaySeconds: replayMs.current / 1000, speed });
        return;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, steps, speed, dt, delayMs]);

  const restart = useCallback(() => {
    due.current = [];
    replayMs.current = 0;
    indexRef.current = 0;
    setIndex(0);
    setPlaying(true);
  }, []);
  const stop = useCallback(() => {
    setPlaying(false);
    due.current = [];
  }, []);

  return {
    index,
    playing,
    speed,
    setSpeed,
    stepSpeed: (dir) => setSpeed(stepSpeed(SPEEDS, speed, dir)),
    toggle: () => setPlaying((p) => !p),
    pause: () => setPlaying(false),
    restart,
    stop,
  };
}
