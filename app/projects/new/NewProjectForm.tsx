"use client";

/**
 * Create a project: a built-in env (with a live preview of its scripted expert) or an external one with
 * declared spaces; the policy head, training and round settings with their defaults and a line of help each.
 * The body is checked with the same zod contract the API uses (`ZCreateProject`), so most mistakes show
 * inline before sending; the server's field errors land on the same fields. On success: the rounds dashboard.
 */
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import type { TProjectSummary } from "@/contracts/projects";
import { API, PAGES } from "@/contracts/routes";
import { HEADS, SELECTIONS, ZCreateProject } from "@/contracts/settings";
import type { EnvSpec } from "@/envs/index";
import { ApiError, apiData, errorMessage } from "@/app/_components/api-client";
import { EnvPreview } from "./EnvPreview";
import { DEFAULTS, buildBody, collect, initialFields, type Bools, type Fields } from "./project-form";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead-rounds.css";

const HEAD_HELP: Record<string, string> = {
  auto: "Categorical for discrete actions, Gaussian for continuous ones.",
  categorical: "Discrete actions: one probability per action.",
  gaussian: "Continuous actions with one right answer per state (a mean and a spread).",
  mog: "Mixture of Gaussians: continuous actions where experts may answer in several ways (pass left or right).",
  autoregressive: "Continuous, multimodal: one binned distribution per action dimension, conditioned on the previous ones.",
};
const SELECTION_HELP: Record<string, string> = {
  all: "Every visited state becomes a task (up to the states per round).",
  stride: "Every n-th state of each rollout.",
  uniform: "A uniform random sample of the visited states.",
  uncertainty: "The states where the policy ensemble disagrees most (needs an ensemble of 2 or more).",
};

export function NewProjectForm({ initialEnvs }: { initialEnvs: EnvSpec[] }) {
  const router = useRouter();
  const envs = useQuery({ queryKey: ["envs"], queryFn: () => apiData<EnvSpec[]>(API.envs), initialData: initialEnvs, staleTime: Infinity });
  const [source, setSource] = useState<"builtin" | "external">("builtin");
  const [f, setF] = useState<Fields>(initialFields);
  const [b, setB] = useState<Bools>({ warmStart: DEFAULTS.warmStart, autoAdvance: DEFAULTS.autoAdvance });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const spec = useMemo(() => envs.data.find((e) => e.id === f.envId) ?? null, [envs.data, f.envId]);

  const set = (k: string) => (e: { target: { value: string } }) => {
    const v = e.target.value;
    setF((old) => ({ ...old, [k]: v }));
    if (errors[k]) setErrors((old) => Object.fromEntries(Object.entries(old).filter(([key]) => key !== k)));
  };
  const input = (k: string, label: string, help: ReactNode, props: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input name={k} value={f[k] ?? ""} onChange={set(k)} aria-invalid={Boolean(errors[k])} aria-describedby={`${k}-help`} data-testid={`field-${k}`} {...props} />
      {errors[k] ? <span className="field-error" data-testid={`error-${k}`}>{errors[k]}</span> : <span className="help" id={`${k}-help`}>{help}</span>}
    </label>
  );
  const select = (k: string, label: string, options: readonly string[], help: ReactNode) => (
    <label>
      {label}
      <select name={k} value={f[k]} onChange={set(k)} aria-invalid={Boolean(errors[k])} data-testid={`field-${k}`}>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
      {errors[k] ? <span className="field-error" data-testid={`error-${k}`}>{errors[k]}</span> : <span className="help">{help}</span>}
    </label>
  );

  const actionIsBox = source === "builtin" ? spec?.actionSpace.type === "box" : f.actionType === "box";

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const body = buildBody(f, b, source);
    const local: Record<string, string> = {};
    const checked = ZCreateProject.safeParse(body);
    if (!checked.success) {
      const byPath = new Map<string, string[]>();
      for (const issue of checked.error.issues) {
        const key = issue.path.join(".");
        byPath.set(key, [...(byPath.get(key) ?? []), issue.message]);
      }
      Object.assign(local, collect([...byPath]));
    }
    if (f.head === "categorical" && actionIsBox) local.head ??= "Categorical needs a discrete action space";
    if (Object.keys(local).length) {
      setErrors(local);
      setFormError("Some fields need a look (marked below).");
      return;
    }
    setBusy(true);
    try {
      const project = await apiData<TProjectSummary>(API.projects, { method: "POST", body });
      router.push(PAGES.rounds(project.id));
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.fieldErrors) {
        setErrors(collect(Object.entries(err.fieldErrors)));
        setFormError(err.message);
      } else setFormError(errorMessage(err));
    }
  }

  return (
    <div className="lead-page">
      <h1>New project</h1>
      <form className="new-project" onSubmit={onSubmit} noValidate data-testid="new-project-form">
        <div className="stack" style={{ display: "grid", gap: "1rem" }}>
          {formError && <p className="alert error" role="alert" data-testid="form-error">{formError}</p>}
          <fieldset>
            <legend>Project</legend>
            {input("name", "Name", "Shown to everyone in the project.", { required: true, maxLength: 120, autoFocus: true })}
            <label>
              Description
              <textarea name="description" value={f.description} onChange={set("description")} rows={2} maxLength={2000} />
              <span className="help">What the labellers should know (optional).</span>
            </label>
          </fieldset>

          <fieldset>
            <legend>Environment</legend>
            <div className="tabs" role="tablist" aria-label="Environment source">
              {(["builtin", "external"] as const).map((s) => (
                <button key={s} type="button" role="tab" aria-selected={source === s} className={source === s ? "tab active" : "tab"} onClick={() => setSource(s)} data-testid={`source-${s}`}>
                  {s === "builtin" ? "Built-in environment" : "External (rollouts via the API)"}
                </button>
              ))}
            </div>
            {source === "builtin" ? (
              <>
                <label>
                  Environment
                  <select name="envId" value={f.envId} onChange={set("envId")} aria-invalid={Boolean(errors.envId)} data-testid="field-envId">
                    {envs.data.map((e) => <option key={e.id} value={e.id}>{e.id}{e.hasExpert ? "" : " (no scripted expert)"}</option>)}
                  </select>
                  {errors.envId && <span className="field-error" data-testid="error-envId">{errors.envId}</span>}
                </label>
                {spec && (
                  <p className="small" data-testid="env-description">
                    {spec.description}
                    <br />
                    <span className="muted">
                      Observation: {spec.observationSpace.shape[0]} numbers · action:{" "}
                      {spec.actionSpace.type === "discrete" ? `${spec.actionSpace.n} choices` : `${spec.actionSpace.shape[0]} continuous value(s)`} · up to {spec.maxEpisodeSteps} steps
                      {spec.hasExpert ? " · has a scripted expert (round 0 can be generated)" : ""}
                    </span>
                  </p>
                )}
              </>
            ) : (
              <>
                <p className="help">Rollouts (observations, optional frames and policy actions) arrive through the API; labellers see the frames.</p>
                <div className="form-grid">
                  {input("obsDim", "Observation size", "Numbers per observation.", { inputMode: "numeric" })}
                  {input("obsLow", "Observation low", "Lower bound, every element.", { inputMode: "decimal" })}
                  {input("obsHigh", "Observation high", "Upper bound, every element.", { inputMode: "decimal" })}
                  {select("actionType", "Action space", ["discrete", "box"], "Discrete choices or continuous values.")}
                  {f.actionType === "discrete"
                    ? input("actionN", "Number of actions", "Actions 0…n−1.", { inputMode: "numeric" })
                    : input("actionDim", "Action size", "Continuous values per action.", { inputMode: "numeric" })}
                  {f.actionType === "box" && input("actionLow", "Action low", "Lower bound, every element.", { inputMode: "decimal" })}
                  {f.actionType === "box" && input("actionHigh", "Action high", "Upper bound, every element.", { inputMode: "decimal" })}
                  {input("actionLabels", "Action names", "Optional, comma-separated (e.g. left, right).")}
                </div>
              </>
            )}
          </fieldset>

          <fieldset>
            <legend>Policy and training</legend>
            <div className="form-grid">
              {select("head", "Policy head", ["auto", ...HEADS], HEAD_HELP[f.head ?? "auto"])}
              {input("hiddenUnits", "Hidden layers", "Units per layer, comma-separated (1–4 layers).")}
              {input("epochs", "Epochs", "Passes over the dataset per round.", { inputMode: "numeric" })}
              {input("batchSize", "Batch size", "8–65,536; large batches use the GPU where there is one.", { inputMode: "numeric" })}
              {input("learningRate", "Learning rate", "Adam step size.", { inputMode: "decimal" })}
              {input("ensembleSize", "Ensemble size", "0 = auto (5 with uncertainty selection, else 1).", { inputMode: "numeric" })}
            </div>
            <label className="inline">
              <input type="checkbox" checked={b.warmStart} onChange={(e) => setB({ ...b, warmStart: e.target.checked })} /> Warm start: continue from the previous policy&apos;s weights
            </label>
          </fieldset>

          <fieldset>
            <legend>Rounds and labels</legend>
            <div className="form-grid">
              {input("statesPerRound", "States per round", "Labelling tasks created per round.", { inputMode: "numeric" })}
              {input("labelsPerState", "Labels per state (k)", "Redundancy: more labels, better agreement estimates.", { inputMode: "numeric" })}
              {select("selection", "State selection", SELECTIONS, SELECTION_HELP[f.selection ?? "uniform"])}
              {f.selection === "stride" && input("stride", "Stride", "Keep every n-th state.", { inputMode: "numeric" })}
              {input("goldRate", "Gold share", "0–0.5: tasks with a known answer, to check labellers.", { inputMode: "decimal" })}
              {input("minAgreement", "Review below agreement", "0–1: states that agree less go to the review queue.", { inputMode: "decimal" })}
              {actionIsBox && input("clusterTolerance", "Cluster tolerance", "Continuous labels closer than this (half-ranges) agree.", { inputMode: "decimal" })}
              {source === "builtin" && input("rolloutEpisodes", "Rollout episodes", "Episodes of the current policy per round.", { inputMode: "numeric" })}
              {source === "builtin" && input("evalEpisodes", "Evaluation episodes", "Seeded episodes scored after training (the learning curve).", { inputMode: "numeric" })}
              {select("betaKind", "β schedule", ["constant", "linear", "exponential"], "Share of steps the expert drives during rollouts.")}
              {f.betaKind === "constant" && input("beta", "β", "0 = the policy always drives.", { inputMode: "decimal" })}
              {f.betaKind === "linear" && input("betaStart", "β start", "At round 1.", { inputMode: "decimal" })}
              {f.betaKind === "linear" && input("betaEnd", "β end", "After the given rounds.", { inputMode: "decimal" })}
              {f.betaKind === "linear" && input("betaRounds", "Over rounds", "Rounds from start to end.", { inputMode: "numeric" })}
              {f.betaKind === "exponential" && input("betaP", "p", "β_i = p^(i−1), as in the DAgger paper.", { inputMode: "decimal" })}
            </div>
            <label className="inline">
              <input type="checkbox" checked={b.autoAdvance} onChange={(e) => setB({ ...b, autoAdvance: e.target.checked })} /> Train on its own once every state has its labels
            </label>
          </fieldset>

          <div className="row">
            <button type="submit" disabled={busy} data-testid="create-project">{busy ? "Creating…" : "Create project"}</button>
            <button type="button" className="secondary" onClick={() => router.push(PAGES.projects)}>Cancel</button>
          </div>
        </div>
        <aside>
          {source === "builtin" && spec ? (
            <>
              <h2 className="panel-heading">Preview</h2>
              <EnvPreview key={spec.id} spec={spec} />
            </>
          ) : (
            <div className="panel empty small">External projects have no preview: the frames you upload are what labellers see.</div>
          )}
        </aside>
      </form>
    </div>
  );
}
