"use client";

/**
 * Input for labelling one state, fitted to the action space: the discrete choice (digits, arrows, buttons;
 * "one key labels" submits on the choice) or the continuous value (slider, arrows nudge 5% / Shift 1%, 0
 * centres, drag on the picture, a gamepad stick), plus the workspace keys (? can't tell, U undo, P policy,
 * H shortcuts, C comment, and the context replay's R , . [ ] Home End). A gamepad: A submits, B can't tell,
 * X undoes, the d-pad chooses. The choice and value belong to the task on screen (`taskKey`): a new task
 * starts from nothing chosen and the centre of the box.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import type { TSpace } from "@/contracts/spaces";
import { arrowAction, boxMid, clampBox, digitAction, isTyping, roundBox } from "@/app/_components/control/actions";
import { axisToValue, newlyPressed, readPad, type PadSample } from "@/app/_components/control/gamepad";
import { useToasts } from "@/app/_components/Toasts";
import type { Replay } from "./useReplay";
import { useWindowKeys } from "./useWindowKeys";

export type Submit = (action: number | number[] | null, cantTell: boolean, t0: number) => void;

export interface LabelInputOptions {
  space: TSpace;
  /** The task on screen ("none" without one). */
  taskKey: string;
  /** The task on screen right now, read at input time (the gamepad poll runs between renders). */
  taskNow: () => string | null;
  submit: Submit;
  undo: () => void;
  replay: Replay;
  togglePolicy: () => void;
  showShortcuts: () => void;
  focusComment: () => void;
}

export interface LabelInput {
  /** The discrete action chosen for the task on screen, or null. */
  chosen: number | null;
  /** The continuous value for the task on screen (the box's centre until moved); [] for discrete spaces. */
  value: number[];
  setValue: (v: number[]) => void;
  choose: (a: number, t0: number) => void;
  /** Submits what is chosen / set now (Enter, the submit button, gamepad A). */
  submitCurrent: (t0: number) => void;
  oneKey: boolean;
  setOneKey: (on: boolean) => void;
  /** Dragging on the picture sets a continuous label (x → first dimension, y → second). */
  pointer: {
    onPointerDown: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerMove: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerUp: () => void;
  };
}

export function useLabelInput({ space, taskKey, taskNow, submit, undo, replay, togglePolicy, showShortcuts, focusComment }: LabelInputOptions): LabelInput {
  const { push: toast } = useToasts();
  const hasTask = taskKey !== "none";
  const [oneKey, setOneKeyState] = useState(true);
  const [choice, setChoice] = useState<{ key: string; action: number } | null>(null);
  const [boxValue, setBoxValue] = useState<{ key: string; v: number[] } | null>(null);
  const mid = useMemo(() => (space.type === "box" ? boxMid(space) : []), [space]);
  const value = space.type === "box" ? (boxValue?.key === taskKey ? boxValue.v : mid) : [];
  const chosen = choice?.key === taskKey ? choice.action : null;

  useEffect(() => {
    try {
      setOneKeyState(localStorage.getItem("corrective:one-key") !== "0");
    } catch {
      // default
    }
  }, []);
  const setOneKey = useCallback((on: boolean) => {
    setOneKeyState(on);
    localStorage.setItem("corrective:one-key", on ? "1" : "0");
  }, []);
  const setValue = useCallback((v: number[]) => setBoxValue({ key: taskKey, v }), [taskKey]);

  const submitCurrent = useCallback(
    (t0: number) => {
      if (space.type === "discrete") {
        if (chosen === null) return toast({ kind: "info", text: `Choose an action first (keys 1–${space.n} or the arrows).` });
        submit(chosen, false, t0);
      } else submit(roundBox(space, value), false, t0);
    },
    [space, chosen, value, submit, toast],
  );

  const choose = useCallback(
    (a: number, t0: number) => {
      setChoice({ key: taskKey, action: a });
      if (oneKey) submit(a, false, t0);
    },
    [taskKey, oneKey, submit],
  );

  const nudge = (dim: number, frac: number) => {
    if (space.type !== "box") return;
    const range = (space.high[dim] ?? 1) - (space.low[dim] ?? -1);
    const v = [...value];
    v[dim] = (v[dim] ?? 0) + frac * range;
    setBoxValue({ key: taskKey, v: clampBox(space, v) });
  };

  // Keyboard: one listener, reading the latest handlers.
  useWindowKeys({
    down: (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target)) return;
      const onSlider = e.target instanceof HTMLInputElement && e.target.type === "range";
      const k = e.key;
      const t0 = e.timeStamp;
      const handled = () => e.preventDefault();
      // A focused slider keeps its own keys (Home/End = min/max, PageUp/PageDown = big steps, arrows = one
      // step); Home/End would otherwise seek the context replay instead of moving the slider.
      if (onSlider && (k === "Home" || k === "End" || k === "PageUp" || k === "PageDown")) return;
      if (k === "?") return handled(), !e.repeat && hasTask && submit(null, true, t0);
      if (k === "u" || k === "U") return handled(), !e.repeat && void undo();
      if (k === "p" || k === "P") return handled(), togglePolicy();
      if (k === "h" || k === "H") return handled(), showShortcuts();
      if (k === "c" || k === "C") return handled(), focusComment();
      if (k === "r" || k === "R") return handled(), replay.toggle();
      if (k === ",") return handled(), replay.step(-1);
      if (k === ".") return handled(), replay.step(1);
      if (k === "[") return handled(), replay.slower();
      if (k === "]") return handled(), replay.faster();
      if (k === "Home") return handled(), replay.seek(0);
      if (k === "End") return handled(), replay.seek(replay.last);
      if (!hasTask) return;
      if (k === "Enter" || k === " ") {
        handled();
        if (!e.repeat) submitCurrent(t0);
        return;
      }
      if (space.type === "discrete") {
        const a = digitAction(k, space.n) ?? (onSlider ? null : arrowAction(k, space.n));
        if (a !== null) {
          handled();
          if (!e.repeat) choose(a, t0);
        }
        return;
      }
      if (onSlider && k.startsWith("Arrow")) return;
      const frac = e.shiftKey ? 0.01 : 0.05;
      if (k === "ArrowLeft") return handled(), nudge(0, -frac);
      if (k === "ArrowRight") return handled(), nudge(0, frac);
      if (k === "ArrowDown" && space.shape[0] > 1) return handled(), nudge(1, -frac);
      if (k === "ArrowUp" && space.shape[0] > 1) return handled(), nudge(1, frac);
      if (k === "0") return handled(), setBoxValue({ key: taskKey, v: mid });
    },
  });

  // Gamepad: sticks set a continuous label, A submits, B can't tell, X undoes, d-pad chooses.
  const pad = useRef({ submitCurrent, submit, undo, choose, taskNow });
  pad.current = { submitCurrent, submit, undo, choose, taskNow };
  useEffect(() => {
    let raf = 0;
    let prev: PadSample | null = null;
    const poll = () => {
      const sample = readPad();
      if (sample) {
        const t0 = performance.now();
        const s = space;
        const h = pad.current;
        const task = h.taskNow();
        if (s.type === "box" && task && sample.axes.some((a, i) => i < s.shape[0] && (a !== 0 || (prev?.axes[i] ?? 0) !== 0))) {
          const v = s.low.map((lo, i) => axisToValue(sample.axes[i] ?? 0, lo, s.high[i] ?? lo));
          setBoxValue({ key: task, v: clampBox(s, v) });
        }
        for (const b of newlyPressed(prev, sample)) {
          if (b === 0) h.submitCurrent(t0);
          else if (b === 1 && h.taskNow()) h.submit(null, true, t0);
          else if (b === 2) void h.undo();
          else if (s.type === "discrete" && (b === 14 || b === 15)) h.choose(b === 14 ? 0 : s.n - 1, t0);
        }
        prev = sample;
      }
      raf = requestAnimationFrame(poll);
    };
    const start = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(poll);
    };
    window.addEventListener("gamepadconnected", start);
    if (readPad()) start();
    return () => {
      window.removeEventListener("gamepadconnected", start);
      cancelAnimationFrame(raf);
    };
  }, [space]);

  const dragging = useRef(false);
  const dragTo = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (space.type !== "box" || !hasTask) return;
    const r = e.currentTarget.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width;
    const fy = 1 - (e.clientY - r.top) / r.height;
    const v = [...value];
    v[0] = (space.low[0] ?? -1) + fx * ((space.high[0] ?? 1) - (space.low[0] ?? -1));
    if (space.shape[0] > 1) v[1] = (space.low[1] ?? -1) + fy * ((space.high[1] ?? 1) - (space.low[1] ?? -1));
    setBoxValue({ key: taskKey, v: clampBox(space, v) });
  };
  const pointer = {
    onPointerDown: (e: ReactPointerEvent<HTMLCanvasElement>) => {
      if (space.type !== "box") return;
      dragging.current = true;
      e.currentTarget.setPointerCapture(e.pointerId);
      dragTo(e);
    },
    onPointerMove: (e: ReactPointerEvent<HTMLCanvasElement>) => {
      if (dragging.current) dragTo(e);
    },
    onPointerUp: () => {
      dragging.current = false;
    },
  };

  return { chosen, value, setValue, choose, submitCurrent, oneKey, setOneKey, pointer };
}
