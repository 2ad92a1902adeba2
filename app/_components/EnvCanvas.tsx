"use client";

/**
 * Draws one state of a built-in env with its renderer (`env.render(ctx, state, overlay)`), the uploaded
 * frame image of an external project — every camera of an image observation (`CameraViews`) — or, with
 * neither, the observation as bars. Drawing happens in a
 * layout effect, so the new state is on the canvas before the browser paints the commit that brought it.
 */
import { useLayoutEffect, useMemo, useRef, type PointerEventHandler } from "react";
import type { TCameraFrame } from "@/contracts/fields";
import { createEnv, type Env, type RenderOverlay } from "@/envs/index";
import { CameraViews } from "./CameraViews";

export interface EnvCanvasProps {
  envId: string | null;
  state: readonly number[] | null;
  observation?: readonly number[] | null;
  frameUrl?: string | null;
  /** Each camera's frame of an image observation, in camera-key order (the first is the main camera). */
  cameras?: readonly TCameraFrame[];
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

const NO_CAMERAS: readonly TCameraFrame[] = [];

export function EnvCanvas(props: EnvCanvasProps) {
  const { envId, state, observation, frameUrl, cameras = NO_CAMERAS, overlay, label, width = 640, height = 400, onDraw } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const env = useMemo<Env | null>(() => {
    if (!envId) return null;
    try {
      return createEnv(envId);
    } catch {
      return null;
    }
  }, [envId]);
  const showFrame = (Boolean(frameUrl) || cameras.length > 0) && !(env && state);

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

  if (showFrame && cameras.length > 0) {
    return <CameraViews cameras={cameras} frameUrl={frameUrl ?? null} label={label} testId={props.testId} dataKey={props.dataKey} />;
  }
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
