"use client";

/**
 * Draws one state of a built-in env with its renderer (`env.render(ctx, state, overlay)`), the uploaded
 * frame image of an external project, or — with neither — the observation as bars. Drawing happens in a
 * layout effect, so the new state is on the canvas before the browser paints the commit that brought it.
 */
import { useLayoutEffect, useMemo, useRef, type PointerEventHandler } from "react";
import { createEnv, type Env, type RenderOverlay } from "@/envs/index";

export interface EnvCanvasProps {
  envId: string | null;
  state: readonly number[] | null;
  observation?: readonly number[] | null;
  frameUrl?: string | null;
  overlay?: RenderOverlay;
  /** Accessible description of what is shown (e.g. "CartPole state at step 42"). */
  label: string;
  width?: number;
  height?: number;
  /** Called after each draw (the labelling view times submit → next state with it). */
  onDraw?: () => void;
  onPointerDown?: PointerEventHandler<HTMLCanvasElement>;
  onPointerMove?: PointerEventHandler<HTMLCanvasElement>;
  onPointerUp?: PointerEventHandler<HTMLCanvasElement>;
  testId?: string;
  dataKey?: string;
}

function drawBars(ctx: CanvasRenderingContext2D, obs: readonly number[]) {
  const { width, height } = ctx.canvas;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  const n = Math.max(1, obs.length);
  const max = Math.max(1e-9, ...obs.map((v) => Math.abs(v)));
  const bw = width / n;
  ctx.fillStyle = "#2155d6";
  obs.forEach((v, i) => {
    const h = (Math.abs(v) / max) * (height / 2 - 20);
    ctx.fillRect(i * bw + 4, v >= 0 ? height / 2 - h : height / 2, bw - 8, h);
  });
  ctx.strokeStyle = "#5b6573";
  ctx.beginPath();
  ctx.moveTo(0, height / 2);
  ctx.lineTo(width, height / 2);
  ctx.stroke();
}

export function EnvCanvas(props: EnvCanvasProps) {
  const { envId, state, observation, frameUrl, overlay, label, width = 640, height = 400, onDraw } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const env = useMemo<Env | null>(() => {
    if (!envId) return null;
    try {
      return createEnv(envId);
    } catch {
      return null;
    }
  }, [envId]);
  const showFrame = Boolean(frameUrl) && !(env && state);

  useLayoutEffect(() => {
    if (showFrame) {
      onDraw?.();
      return;
    }
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    if (env && state) {
      try {
        env.render(ctx, state, overlay);
      } catch {
        drawBars(ctx, observation ?? state);
      }
    } else drawBars(ctx, observation ?? state ?? []);
    onDraw?.();
  }, [env, state, observation, overlay, showFrame, onDraw]);

  if (showFrame && frameUrl) {
    return <img className="env-view" src={frameUrl} alt={label} width={width} height={height} data-testid={props.testId} data-key={props.dataKey} />;
  }
  return (
    <canvas
      ref={canvas}
      className="env-view"
      width={width}
      height={height}
      role="img"
      aria-label={label}
      data-testid={props.testId}
      data-key={props.dataKey}
      onPointerDown={props.onPointerDown}
      onPointerMove={props.onPointerMove}
      onPointerUp={props.onPointerUp}
      style={{ touchAction: "none" }}
    />
  );
}
