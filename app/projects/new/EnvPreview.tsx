"use client";

/**
 * A live preview of a built-in env driven by its scripted expert (or random actions where it has none),
 * drawn with the labelling view's EnvCanvas in real time. A new episode starts with the next seed when one
 * ends. Pausable; it starts paused for people who prefer reduced motion.
 */
import { useEffect, useRef, useState } from "react";
import { createEnv, createExpert, type Action, type EnvSpec, type Expert } from "@/envs/index";
import { EnvCanvas } from "@/app/_components/EnvCanvas";

interface Shown {
  state: number[];
  episode: number;
  t: number;
  ret: number;
  action: Action | null;
  steps: number;
}

function randomAction(spec: EnvSpec): Action {
  const s = spec.actionSpace;
  if (s.type === "discrete") return Math.floor(Math.random() * s.n);
  return s.low.map((lo, i) => lo + Math.random() * ((s.high[i] ?? lo) - lo));
}

export function EnvPreview({ spec }: { spec: EnvSpec }) {
  const [playing, setPlaying] = useState(true);
  const [shown, setShown] = useState<Shown | null>(null);
  const lastEpisode = useRef<{ episode: number; ret: number } | null>(null);

  useEffect(() => {
    if (window.matchMedia?.("(prefers-reduced-motion: reduce)").matches) setPlaying(false);
  }, []);

  useEffect(() => {
    const env = createEnv(spec.id, { seed: 0 });
    const expert: Expert | null = spec.hasExpert ? createExpert(spec.id) : null;
    let episode = 0;
    let t = 0;
    let ret = 0;
    let steps = 0;
    let action: Action | null = null;
    env.reset(episode);
    expert?.reset(episode);
    const show = () => setShown({ state: env.getState(), episode, t, ret, action, steps });
    show();
    if (!playing) return;
    let raf = 0;
    let prev = performance.now();
    let acc = 0;
    const tick = (now: number) => {
      acc = Math.min(acc + (now - prev) / 1000, spec.dt * 8);
      prev = now;
      while (acc >= spec.dt) {
        acc -= spec.dt;
        action = expert ? expert.act(env.getState()) : randomAction(spec);
        const r = env.step(action);
        ret += r.reward;
        t++;
        steps++;
        if (r.terminated || r.truncated) {
          lastEpisode.current = { episode, ret };
          episode++;
          t = 0;
          ret = 0;
          env.reset(episode);
          expert?.reset(episode);
        }
      }
      show();
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [spec, playing]);

  const who = spec.hasExpert ? "scripted expert" : "random actions";
  return (
    <div className="preview" data-testid="env-preview" data-env={spec.id} data-steps={shown?.steps ?? 0}>
      <div className="canvas-wrap">
        <EnvCanvas
          envId={spec.id}
          state={shown?.state ?? null}
          overlay={{ caption: `${who} · episode ${(shown?.episode ?? 0) + 1} · t = ${shown?.t ?? 0}`, ...(shown?.action != null && spec.hasExpert ? { expertAction: shown.action } : {}) }}
          label={`${spec.id} driven by its ${who}`}
          width={480}
          height={300}
          testId="env-preview-canvas"
        />
      </div>
      <div className="row small">
        <button type="button" className="secondary small-button" onClick={() => setPlaying((p) => !p)} aria-pressed={!playing} data-testid="preview-toggle">
          {playing ? "❚❚ Pause" : "▶ Play"}
        </button>
        <span className="muted">
          Return {shown ? shown.ret.toFixed(1) : "0"}
          {lastEpisode.current ? ` · last episode ${lastEpisode.current.ret.toFixed(1)}` : ""}
          {spec.referenceReturns.expert !== null ? ` · expert mean ${spec.referenceReturns.expert.toFixed(1)}` : ""}
        </span>
      </div>
    </div>
  );
}
