"use client";

/**
 * Replay of a state's temporal context (`context.before`, oldest first, the state itself last): play,
 * pause, scrub, step ±1 and speed 0.25×–4×, in real time (`dt` seconds per step at 1×). It never goes past
 * the last frame — the future of the rollout is not shown. A new `key` (task) resets it to the state.
 */
import { useCallback, useEffect, useState } from "react";

export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;
const SPEED_KEY = "corrective:replay-speed";

export interface Replay {
  index: number;
  last: number;
  playing: boolean;
  speed: number;
  toggle: () => void;
  pause: () => void;
  step: (delta: number) => void;
  seek: (i: number) => void;
  setSpeed: (s: number) => void;
  faster: () => void;
  slower: () => void;
}

export function useReplay(key: string, length: number, dt: number, autoplayFrom?: number): Replay {
  const last = Math.max(0, length - 1);
  const [st, setSt] = useState({ key, index: last, playing: false });
  const [speed, setSpeedState] = useState(1);
  useEffect(() => {
    const saved = Number(localStorage.getItem(SPEED_KEY));
    if ((SPEEDS as readonly number[]).includes(saved)) setSpeedState(saved);
  }, []);
  const cur = st.key === key ? st : { key, index: autoplayFrom !== undefined ? Math.max(0, Math.min(last, autoplayFrom)) : last, playing: autoplayFrom !== undefined && autoplayFrom < last };
  const { index, playing } = cur;

  useEffect(() => {
    if (!playing) return;
    let raf = 0;
    let prev = performance.now();
    let acc = 0;
    const tick = (now: number) => {
      acc += ((now - prev) / 1000) * speed;
      prev = now;
      const steps = Math.floor(acc / Math.max(1e-3, dt));
      if (steps > 0) {
        acc -= steps * dt;
        let stop = false;
        setSt((s) => {
          const base = s.key === key ? s : cur;
          const next = Math.min(last, base.index + steps);
          stop = next >= last;
          return { key, index: next, playing: !stop };
        });
        if (stop) return;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, key, speed, dt, last]);

  const toggle = useCallback(() => setSt((s) => {
    const base = s.key === key ? s : { key, index: last, playing: false };
    if (base.playing) return { ...base, playing: false };
    return { key, index: base.index >= last ? 0 : base.index, playing: last > 0 };
  }), [key, last]);
  const pause = useCallback(() => setSt((s) => ({ ...(s.key === key ? s : { key, index: last }), playing: false })), [key, last]);
  const seek = useCallback((i: number) => setSt({ key, index: Math.max(0, Math.min(last, Math.round(i))), playing: false }), [key, last]);
  const step = useCallback((d: number) => setSt((s) => {
    const base = s.key === key ? s.index : last;
    return { key, index: Math.max(0, Math.min(last, base + d)), playing: false };
  }), [key, last]);
  const setSpeed = useCallback((s: number) => {
    setSpeedState(s);
    try {
      localStorage.setItem(SPEED_KEY, String(s));
    } catch {
      // not persisted; fine
    }
  }, []);
  const faster = useCallback(() => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed as (typeof SPEEDS)[number]) + 1)] ?? speed), [speed, setSpeed]);
  const slower = useCallback(() => setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(speed as (typeof SPEEDS)[number]) - 1)] ?? speed), [speed, setSpeed]);

  return { index, last, playing, speed, toggle, pause, step, seek, setSpeed, faster, slower };
}
