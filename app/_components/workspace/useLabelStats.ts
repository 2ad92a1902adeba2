"use client";

/** Personal progress in the labelling round and the current streak (labels given less than 30 s apart). */
import { useCallback, useRef, useState } from "react";

const STREAK_GAP_MS = 30_000;

export interface LabelStats {
  mine: number;
  session: number;
  streak: number;
  best: number;
  roundIndex: number | null;
}

export function useLabelStats(initialMine: number, initialRound: number | null) {
  const [stats, setStats] = useState<LabelStats>({ mine: initialMine, session: 0, streak: 0, best: 0, roundIndex: initialRound });
  const lastAt = useRef(0);
  const onLabel = useCallback((roundIndex: number) => {
    const now = Date.now();
    const continued = now - lastAt.current < STREAK_GAP_MS;
    lastAt.current = now;
    setStats((s) => {
      const sameRound = s.roundIndex === roundIndex;
      const streak = continued ? s.streak + 1 : 1;
      return { mine: (sameRound ? s.mine : 0) + 1, session: s.session + 1, streak, best: Math.max(s.best, streak), roundIndex };
    });
  }, []);
  const onUndo = useCallback(() => setStats((s) => ({ ...s, mine: Math.max(0, s.mine - 1), session: Math.max(0, s.session - 1), streak: Math.max(0, s.streak - 1) })), []);
  const onRound = useCallback((roundIndex: number | null) => setStats((s) => (s.roundIndex === roundIndex || roundIndex === null ? s : { ...s, mine: 0, roundIndex })), []);
  return { stats, onLabel, onUndo, onRound };
}
