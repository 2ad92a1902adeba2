"use client";

/**
 * Continuous control for driving an env live (teleoperation, takeover): arrow keys or digits held,
 * a gamepad stick / d-pad, or dragging on the picture. `read(elapsedMs)` is called once per simulation
 * step and returns the action to execute now, or null when the human gives no input.
 *
 * Discrete: the key held (Left = first action, Right = last, Down = the middle one of three, digits);
 * with nothing held, null. Box: held arrows move the value at `ratePerSecond` of the range and, with
 * `springBack`, it returns to the centre when released (like a self-centring wheel); a stick sets it directly.
 */
import { useMemo, useRef, type PointerEvent as ReactPointerEvent } from "react";
import type { TSpace } from "@/contracts/spaces";
import { arrowAction, boxMid, clampBox, digitAction, isTyping } from "@/app/_components/control/actions";
import { axisToValue, readPad } from "@/app/_components/control/gamepad";
import { useWindowKeys } from "./useWindowKeys";

export interface HeldControl {
  read: (elapsedMs: number) => number | number[] | null;
  /** Whether any input is being given right now (a key, the stick, a drag). */
  active: () => boolean;
  pointer: {
    onPointerDown: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerMove: (e: ReactPointerEvent<HTMLCanvasElement>) => void;
    onPointerUp: () => void;
  };
}

const CONTROL_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);

export function useHeldControl(space: TSpace, { springBack = true, ratePerSecond = 2 } = {}): HeldControl {
  const keys = useRef(new Set<string>());
  const drag = useRef<number[] | null>(null);
  const value = useRef<number[]>(space.type === "box" ? boxMid(space) : []);

  useWindowKeys({
    down: (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const isDigit = space.type === "discrete" && digitAction(e.key, space.n) !== null;
      if (CONTROL_KEYS.has(e.key) || isDigit) {
        e.preventDefault();
        keys.current.add(e.key);
      }
    },
    up: (e) => void keys.current.delete(e.key),
    blur: () => keys.current.clear(),
  });

  return useMemo<HeldControl>(() => {
    const readDiscrete = (n: number): number | null => {
      const pad = readPad();
      if (pad?.pressed[14]) return 0;
      if (pad?.pressed[15]) return n - 1;
      if (pad && Math.abs(pad.axes[0] ?? 0) > 0.5) return (pad.axes[0] ?? 0) < 0 ? 0 : n - 1;
      if (drag.current) return (drag.current[0] ?? 0.5) < 0.5 ? 0 : n - 1;
      const held = [...keys.current];
      for (let i = held.length - 1; i >= 0; i--) {
        const k = held[i] as string;
        const a = digitAction(k, n) ?? arrowAction(k, n);
        if (a !== null) return a;
      }
      return null;
    };
    const read = (elapsedMs: number): number | number[] | null => {
      if (space.type === "discrete") return readDiscrete(space.n);
      const mid = boxMid(space);
      const pad = readPad();
      if (drag.current) {
        const f = drag.current;
        value.current = clampBox(space, space.low.map((lo, i) => lo + (f[i] ?? 0.5) * ((space.high[i] ?? lo) - lo)));
        return value.current;
      }
      if (pad && pad.axes.some((a, i) => i < space.shape[0] && a !== 0)) {
        value.current = clampBox(space, space.low.map((lo, i) => axisToValue(pad.axes[i] ?? 0, lo, space.high[i] ?? lo)));
        return value.current;
      }
      const dt = elapsedMs / 1000;
      const v = [...value.current];
      let any = false;
      const move = (i: number, dir: number) => {
        const range = (space.high[i] ?? 1) - (space.low[i] ?? -1);
        v[i] = (v[i] ?? 0) + dir * ratePerSecond * range * dt;
        any = true;
      };
      if (keys.current.has("ArrowLeft")) move(0, -1);
      if (keys.current.has("ArrowRight")) move(0, 1);
      if (space.shape[0] > 1 && keys.current.has("ArrowDown")) move(1, -1);
      if (space.shape[0] > 1 && keys.current.has("ArrowUp")) move(1, 1);
      if (!any && springBack) {
        const k = Math.min(1, dt * 8);
        for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) + ((mid[i] ?? 0) - (v[i] ?? 0)) * k;
      }
      value.current = clampBox(space, v);
      return any ? value.current : springBack && value.current.every((x, i) => Math.abs(x - (mid[i] ?? 0)) < 1e-3) ? null : value.current;
    };
    const active = () => keys.current.size > 0 || drag.current !== null || Boolean(readPad()?.axes.some((a) => a !== 0) || readPad()?.pressed.some((p, i) => i >= 12 && p));
    const at = (e: ReactPointerEvent<HTMLCanvasElement>) => {
      const r = e.currentTarget.getBoundingClientRect();
      return [Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), Math.min(1, Math.max(0, 1 - (e.clientY - r.top) / r.height))];
    };
    return {
      read,
      active,
      pointer: {
        onPointerDown: (e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = at(e);
        },
        onPointerMove: (e) => {
          if (drag.current) drag.current = at(e);
        },
        onPointerUp: () => {
          drag.current = null;
        },
      },
    };
  }, [space, springBack, ratePerSecond]);
}
