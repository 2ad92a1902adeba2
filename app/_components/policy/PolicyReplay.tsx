"use client";

/**
 * "Replay its rollouts": the newly published policy runs in this browser on the evaluation seeds (the episodes
 * the server scored it on, from seed 100000) and is replayed at the env's own speed — no page reload, no server
 * round trip beyond fetching the model once per version.
 */
import { useEffect, useMemo, useState } from "react";
import { EVAL_FIRST_SEED } from "@/contracts/policies";
import { getEnvSpec } from "@/envs/index";
import type { Trajectory } from "@/trainer/rollout";
import { errorMessage } from "../api-client";
import { EnvCanvas } from "../EnvCanvas";
import { useBrowserPolicy } from "./browser-policy";
import { usePlayback } from "./usePlayback";

export function PolicyReplay({ projectId, envId, version }: { projectId: string; envId: string; version: number }) {
  const [open, setOpen] = useState(false);
  const policy = useBrowserPolicy(projectId, open);
  const [episode, setEpisode] = useState(0);
  const [run, setRun] = useState<{ version: number; seed: number; trajectory: Trajectory } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dt = useMemo(() => getEnvSpec(envId).dt, [envId]);
  const length = run?.trajectory.steps.length ?? 0;
  const { t, setT, playing, setPlaying, toggle } = usePlayback(length, dt);

  // Roll the loaded policy out whenever the model or the episode changes.
  useEffect(() => {
    if (!open || !policy.data) return;
    let cancelled = false;
    void import("@/trainer/rollout")
      .then(({ rollout }) => {
        if (cancelled) return;
        const seed = EVAL_FIRST_SEED + episode;
        const trajectory = rollout({ envId, policy: policy.data.policy, episodes: 1, firstSeed: seed, deterministic: true })[0]!;
        setRun({ version: policy.data.version, seed, trajectory });
        setT(0);
        setPlaying(true);
      })
      .catch((err: unknown) => setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [open, policy.data, episode, envId, setT, setPlaying]);


  if (!open) {
    return (
      <button type="button" className="linkish small" onClick={() => setOpen(true)} data-testid="policy-replay-open">
        Replay its rollouts
      </button>
    );
  }
  const step = run?.trajectory.steps[Math.min(t, length - 1)];
  return (
    <div className="policy-replay" data-testid="policy-replay" data-version={run?.version ?? ""} data-seed={run?.seed ?? ""} data-t={t} data-length={length} data-return={run?.trajectory.return ?? ""}>
      {policy.isError || error ? (
        <p className="alert error small" role="alert">Could not run the policy: {error ?? errorMessage(policy.error)}</p>
      ) : !run ? (
        <p className="muted small">Loading policy v{version}…</p>
      ) : (
        <>
          <EnvCanvas
            envId={envId}
            state={step?.state ?? null}
            observation={step?.observation ?? null}
            overlay={{ caption: `v${run.version} · seed ${run.seed} · t = ${Math.min(t, length - 1)}`, ...(step ? { policyAction: step.action } : {}) }}
            label={`Policy v${run.version} replayed on seed ${run.seed}, step ${t}`}
            width={320}
            height={200}
          />
          <p className="small muted">
            Return {run.trajectory.return.toFixed(1)} over {run.trajectory.length} steps
            {run.trajectory.success !== null ? ` · ${run.trajectory.success ? "success" : "failure"}` : ""}
          </p>
          <div className="row small">
            <button type="button" className="secondary" onClick={toggle} data-testid="policy-replay-play">
              {playing ? "Pause" : t >= length - 1 ? "Replay" : "Play"}
            </button>
            <button type="button" className="secondary" onClick={() => setEpisode((e) => e + 1)} data-testid="policy-replay-next">
              Next episode
            </button>
            <button type="button" className="linkish" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </>
      )}
    </div>
  );
}
