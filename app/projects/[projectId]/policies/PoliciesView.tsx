"use client";

/**
 * The lead's policy versions: evaluation metrics, training time and backend; download a model; roll the
 * published policy back (with a confirmation step); for a version fine-tuned with RL, its return next to its
 * imitation parent's on the same seeded episodes (and, if it was kept as a candidate, a button to publish it);
 * and compare two versions side by side — both models are
 * loaded in this browser with the tfjs-free inference entry the takeover page uses (`trainer/policy/policy`)
 * and rolled out on the same seeded episode, replayed next to each other with their returns.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { EVAL_FIRST_SEED, type TPolicyMetrics, type TPolicyPublished, type TPolicySummary } from "@/contracts/policies";
import type { TPolicyFormat } from "@/contracts/datasets";
import { getEnvSpec } from "@/envs/index";
import { apiData, errorMessage } from "@/app/_components/api-client";
import { actionNames, formatAction } from "@/app/_components/control/actions";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import { policyFromBase64 } from "@/app/_components/policy/browser-policy";
import { usePlayback } from "@/app/_components/policy/usePlayback";
import { fmtDate, fmtMs, fmtNum, fmtPct } from "@/app/_components/lead/format";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import type { LeadProject } from "@/app/_components/lead/types";
import type { Trajectory } from "@/trainer/rollout";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API, withQuery } from "@/contracts/routes";

/** `GET …/policies` rows (the loss curve is left out of the list). */
interface PolicyRow {
  id: string;
  version: number;
  roundId: string | null;
  head: string;
  training: { backend?: string; samples?: number; epochsRun?: number; finalLoss?: number; timings?: { totalMs?: number }; ensembleSize?: number; episodes?: number; iterationsRun?: number };
  metrics: TPolicyMetrics | null;
  kind: TPolicySummary["kind"];
  parentVersion: number | null;
  parentMetrics: TPolicyMetrics | null;
  publishedAt: string | null;
  createdAt: string;
}

/** An RL fine-tuned version's return against its imitation parent's (same seeded evaluation episodes). */
function RlComparison({ row }: { row: PolicyRow }) {
  const before = row.parentMetrics?.meanReturn;
  const after = row.metrics?.meanReturn;
  const delta = before !== undefined && after !== undefined ? after - before : null;
  return (
    <div className="small" data-testid="rl-comparison" data-imitation-return={before ?? ""} data-rl-return={after ?? ""}>
      <span className="badge">RL fine-tune of v{row.parentVersion ?? "—"}</span>{" "}
      imitation {fmtNum(before)} → RL {fmtNum(after)}
      {delta !== null && (
        <strong style={{ marginLeft: ".3rem", color: delta > 0 ? "var(--ok, #1a7f37)" : delta < 0 ? "var(--error, #b42318)" : undefined }}>
          ({delta > 0 ? "+" : ""}{fmtNum(delta)})
        </strong>
      )}
      {row.training.episodes ? <span className="muted"> · {row.training.episodes} RL episodes</span> : null}
    </div>
  );
}


/** The published policy now: the most recently published version. */
function currentVersion(rows: PolicyRow[]): number | null {
  let best: PolicyRow | null = null;
  for (const r of rows) if (r.publishedAt && (!best || r.publishedAt > best.publishedAt! || (r.publishedAt === best.publishedAt && r.version > best.version))) best = r;
  return best?.version ?? null;
}

export function PoliciesView({ project }: { project: LeadProject }) {
  const p = project.id;
  const list = useQuery({ queryKey: leadKeys.policies(p), queryFn: () => apiData<PolicyRow[]>(API.policies(p)) });
  const rows = useMemo(() => list.data ?? [], [list.data]);
  const current = currentVersion(rows);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <div className="stack-gap">
      <section className="panel" aria-labelledby="versions-h">
        <h2 id="versions-h" style={{ marginTop: 0 }}>Versions</h2>
        {notice && <div className="alert ok" role="status" data-testid="rollback-ok">{notice}</div>}
        {list.isPending && <Loading what="policies" />}
        {list.isError && <LoadError what="policies" error={list.error} retry={() => void list.refetch()} />}
        {list.isSuccess && rows.length === 0 && <div className="empty" data-testid="policies-empty">No policy yet. Round 0 trains the first one.</div>}
        {rows.length > 0 && (
          <div className="table-scroll">
            <table data-testid="policy-versions" data-current={current ?? ""}>
              <thead>
                <tr>
                  <th>Version</th><th>Head · RL vs imitation</th><th>Eval return</th><th>Normalised</th><th>Success</th><th>Training</th><th>Backend</th><th>Samples</th><th>Published</th><th />
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.version} data-testid="policy-row" data-version={r.version} className={r.version === current ? "selected" : undefined}>
                    <td>
                      <strong>v{r.version}</strong>
                      {r.version === current && <span className="badge" style={{ marginLeft: ".4rem" }} data-testid="policy-current">published</span>}
                    </td>
                    <td>
                      {r.head}
                      {r.kind === "rl-finetune" && <RlComparison row={r} />}
                    </td>
                    <td>{fmtNum(r.metrics?.meanReturn)}{r.metrics?.episodes ? <span className="small muted"> ({r.metrics.episodes} ep.)</span> : null}</td>
                    <td>{fmtNum(r.metrics?.normalizedReturn, 2)}</td>
                    <td>{fmtPct(r.metrics?.successRate)}</td>
                    <td>{fmtMs(r.training.timings?.totalMs)}{r.training.epochsRun ? <span className="small muted"> · {r.training.epochsRun} ep.</span> : null}</td>
                    <td><code>{r.training.backend ?? "—"}</code></td>
                    <td>{r.training.samples ?? "—"}</td>
                    <td className="small">{r.publishedAt ? fmtDate(r.publishedAt) : <span className="muted">{r.kind === "rl-finetune" ? "candidate (not published)" : "not published"}</span>}</td>
                    <td className="nowrap">
                      <DownloadButton projectId={p} version={r.version} format="crpl" />{" "}
                      <DownloadButton projectId={p} version={r.version} format="onnx" />{" "}
                      {r.publishedAt && r.version !== current && (
                        <button type="button" className="secondary" onClick={() => setConfirm(r.version)} data-testid={`rollback-${r.version}`}>
                          Roll back to v{r.version}
                        </button>
                      )}
                      {!r.publishedAt && r.kind === "rl-finetune" && r.metrics && (
                        <button type="button" className="secondary" onClick={() => setConfirm(r.version)} data-testid={`publish-candidate-${r.version}`}>
                          Publish v{r.version}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {confirm !== null && (
        <RollbackDialog
          projectId={p}
          version={confirm}
          current={current}
          onClose={() => setConfirm(null)}
          onDone={(r) => {
            setConfirm(null);
            setNotice(`Policy v${r.version} is published again (was v${r.previousVersion ?? "—"}). The next round rolls it out.`);
          }}
        />
      )}
      {project.envId ? (
        rows.length >= 1 && <ComparePanel project={project} envId={project.envId} versions={rows.map((r) => r.version)} current={current} />
      ) : (
        <section className="panel muted">This project has no built-in environment, so policies cannot be replayed in the browser.</section>
      )}
    </div>
  );
}

/** Downloads a policy version: Corrective's blob (`crpl`) or an ONNX model (`onnx`, for ONNX Runtime on a robot). */
function DownloadButton({ projectId, version, format }: { projectId: string; version: number; format: TPolicyFormat }) {
  const [state, setState] = useState<"idle" | "busy" | { error: string }>("idle");
  async function download() {
    setState("busy");
    try {
      const res = await fetch(withQuery(API.policy(projectId, version), { format }), { credentials: "same-origin" });
      if (!res.ok) throw new Error(`Download failed (${res.status})`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `policy-v${version}.${format}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setState("idle");
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  }
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={download}
        disabled={state === "busy"}
        data-testid={format === "onnx" ? `download-onnx-${version}` : `download-${version}`}
        title={format === "onnx" ? "ONNX model: observation → distribution parameters and action (see docs/FORMATS.md)" : "Corrective policy blob"}
      >
        {state === "busy" ? "Downloading…" : format === "onnx" ? "ONNX" : "Download"}
      </button>
      {typeof state === "object" && <span className="field-error"> {state.error}</span>}
    </>
  );
}

function RollbackDialog({ projectId, version, current, onClose, onDone }: { projectId: string; version: number; current: number | null; onClose: () => void; onDone: (r: TPolicyPublished) => void }) {
  const qc = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const publish = useMutation({
    mutationFn: () => apiData<TPolicyPublished>(API.policyPublish(projectId, version), { body: {} }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: leadKeys.policies(projectId) });
      onDone(r);
    },
  });
  return (
    <dialog ref={ref} className="confirm" onClose={onClose} aria-labelledby="rb-h" data-testid="rollback-dialog">
      <h2 id="rb-h" style={{ marginTop: 0 }}>Publish v{version}?</h2>
      <p>
        Policy v{version} replaces v{current ?? "—"} as the published policy: the next round rolls it out, takeover and robots pulling
        <code> policies/latest</code> get it. Nothing is deleted; you can publish v{current ?? "—"} again later. The change is audited.
      </p>
      {publish.isError && <div className="alert error" role="alert">{errorMessage(publish.error)}</div>}
      <div className="row">
        <button type="button" onClick={() => publish.mutate()} disabled={publish.isPending} data-testid="rollback-confirm" autoFocus>
          {publish.isPending ? "Publishing…" : `Publish v${version}`}
        </button>
        <button type="button" className="secondary" onClick={onClose} disabled={publish.isPending}>Cancel</button>
      </div>
    </dialog>
  );
}

interface Side {
  version: number;
  trajectory: Trajectory;
}

/** Loads one version's model into the browser (cached per version). */
async function loadPolicy(projectId: string, version: number) {
  const meta = await apiData<{ version: number; blobBase64: string }>(API.policy(projectId, version));
  return policyFromBase64(meta.blobBase64);
}

function ComparePanel({ project, envId, versions, current }: { project: LeadProject; envId: string; versions: number[]; current: number | null }) {
  const qc = useQueryClient();
  const sorted = [...versions].sort((a, b) => a - b);
  const [a, setA] = useState(sorted.length > 1 ? sorted[sorted.length - 2]! : sorted[0]!);
  const [b, setB] = useState(current ?? sorted.at(-1)!);
  const [seed, setSeed] = useState(EVAL_FIRST_SEED);
  const [run, setRun] = useState<{ a: Side; b: Side; seed: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dt = useMemo(() => getEnvSpec(envId).dt, [envId]);
  const length = run ? Math.max(run.a.trajectory.steps.length, run.b.trajectory.steps.length) : 0;
  const { t, setT, playing, setPlaying, toggle } = usePlayback(length, dt);
  const space = project.actionSpace;
  const names = useMemo(() => actionNames(envId, space), [envId, space]);

  const compare = useCallback(async () => {
    setBusy(true);
    setError(null);
    setPlaying(false);
    try {
      const [pa, pb, { rollout }] = await Promise.all([
        qc.fetchQuery({ queryKey: leadKeys.policyModel(project.id, a), queryFn: () => loadPolicy(project.id, a), staleTime: Infinity }),
        qc.fetchQuery({ queryKey: leadKeys.policyModel(project.id, b), queryFn: () => loadPolicy(project.id, b), staleTime: Infinity }),
        import("@/trainer/rollout"),
      ]);
      const episode = (policy: typeof pa) => rollout({ envId, policy, episodes: 1, firstSeed: seed, deterministic: true })[0]!;
      setRun({ a: { version: a, trajectory: episode(pa) }, b: { version: b, trajectory: episode(pb) }, seed });
      setT(0);
      setPlaying(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, [qc, project.id, a, b, seed, envId]);


  return (
    <section className="panel" aria-labelledby="cmp-h" data-testid="policy-compare">
      <h2 id="cmp-h" style={{ marginTop: 0 }}>Compare two versions side by side</h2>
      <p className="small muted">
        Both models run in this browser on the same seeded episode (deterministic actions). Seeds from {EVAL_FIRST_SEED} are the ones the server evaluates on.
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <label className="inline">
          Left
          <select value={a} onChange={(e) => setA(Number(e.target.value))} data-testid="compare-a">
            {sorted.map((v) => <option key={v} value={v}>v{v}</option>)}
          </select>
        </label>
        <label className="inline">
          Right
          <select value={b} onChange={(e) => setB(Number(e.target.value))} data-testid="compare-b">
            {sorted.map((v) => <option key={v} value={v}>v{v}</option>)}
          </select>
        </label>
        <label className="inline">
          Seed
          <input type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value) || 0)))} style={{ width: "8rem" }} data-testid="compare-seed" />
        </label>
        <button type="submit" disabled={busy} data-testid="compare-run">{busy ? "Loading models…" : "Run both"}</button>
      </form>
      {error && <div className="alert error" role="alert" style={{ marginTop: ".75rem" }}>Could not run the policies: {error}</div>}
      {run && (
        <>
          <div className="compare-grid" style={{ marginTop: "1rem" }}>
            {[run.a, run.b].map((side, i) => {
              const steps = side.trajectory.steps;
              const step = steps[Math.min(t, steps.length - 1)];
              const ended = t >= steps.length - 1;
              return (
                <div key={i} data-testid={`compare-side-${i === 0 ? "a" : "b"}`} data-version={side.version} data-return={side.trajectory.return} data-length={side.trajectory.length}>
                  <h3 className="small-heading">
                    v{side.version} · return <strong data-testid="compare-return">{side.trajectory.return.toFixed(1)}</strong> over {side.trajectory.length} steps
                    {side.trajectory.success !== null ? ` · ${side.trajectory.success ? "success" : "failure"}` : ""}
                  </h3>
                  <EnvCanvas
                    envId={envId}
                    state={step?.state ?? null}
                    observation={step?.observation ?? null}
                    overlay={{ caption: `v${side.version} · t = ${Math.min(t, steps.length - 1)}${ended ? (side.trajectory.terminated ? " · ended" : " · time limit") : ""}`, ...(step ? { policyAction: step.action } : {}) }}
                    label={`Policy v${side.version} at step ${t} on seed ${run.seed}`}
                    width={480}
                    height={300}
                  />
                  <p className="small muted">Action {formatAction(space, step ? (typeof step.action === "number" ? step.action : [...step.action]) : null, names)}</p>
                </div>
              );
            })}
          </div>
          <div className="row">
            <button type="button" className="secondary" onClick={toggle} data-testid="compare-play">
              {playing ? "Pause" : t >= length - 1 ? "Replay" : "Play"}
            </button>
            <input type="range" className="grow" min={0} max={Math.max(0, length - 1)} value={t} onChange={(e) => { setPlaying(false); setT(Number(e.target.value)); }} aria-label="Step" />
            <span className="small muted">step {t} / {length - 1} · seed {run.seed}</span>
          </div>
        </>
      )}
    </section>
  );
}
