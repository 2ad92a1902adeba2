"use client";

import { useEffect, useState } from "react";

/** Plays steps 0 … length−1 at the env's speed (`dt` seconds a step), stopping on the last one. */
export function usePlayback(length: number, dt: number) {
  const [t, setT] = useState(0);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing || length === 0) return;
    const id = setInterval(() => {
      setT((x) => {
        if (x + 1 >= length) {
          setPlaying(false);
          return length - 1;
        }
        return x + 1;
      });
    }, Math.max(16, dt * 1000));
    return () => clearInterval(id);
  }, [playing, length, dt]);
  /** Play from the start if at the end, else toggle. */
  const toggle = () => {
    if (t >= length - 1) {
      setT(0);
      setPlaying(true);
    } else setPlaying((x) => !x);
  };
  return { t, setT, playing, setPlaying, toggle };
}
