"use client";

/**
 * "Fine-tune with RL after round N": on/off and its budget, saved with `PATCH …/projects/:id { rlFineTune }`
 * (validated by the same `ZRlFineTune` contract; the server answers 422 where the project cannot use it —
 * an external env, a head without an exact likelihood, an ensemble).
 */
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { API } from "@/contracts/routes";
import { api, errorMessage } from "@/app/_components/api-client";
import { ZRlFineTune, type TRlFineTune } from "@/contracts/settings";

const DEFAULTS = ZRlFineTune.parse({});

export function RlFineTuneForm({ projectId, value, unavailable }: { projectId: string; value: TRlFineTune | null; unavailable: string | null }) {
  const router = useRouter();
  const start = value ?? DEFAULTS;
  const [enabled, setEnabled] = useState(value !== null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => Number(f.get(k));
    let rlFineTune: TRlFineTune | null = null;
    if (enabled) {
      const parsed = ZRlFineTune.safeParse({
        afterRound: num("afterRound"),
        iterations: num("iterations"),
        episodesPerIteration: num("episodesPerIteration"),
        learningRate: num("learningRate"),
        baseline: f.get("baseline"),
        entropyCoef: num("entropyCoef"),
        gamma: start.gamma,
        maxMinutes: num("maxMinutes"),
        publish: f.get("publish"),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return setMessage({ kind: "error", text: `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}` });
      }
      rlFineTune = parsed.data;
    }
    setBusy(true);
    setMessage(null);
    try {
      await api(API.project(projectId), { method: "PATCH", body: { rlFineTune } });
    } catch (err) {
      return setMessage({ kind: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
    setMessage({ kind: "ok", text: rlFineTune ? `Saved: rounds from ${rlFineTune.afterRound} on are fine-tuned with RL.` : "Saved: RL fine-tuning is off." });
    router.refresh();
  }

  return (
    <form className="stack panel" onSubmit={onSubmit} data-testid="rl-finetune-form">
      <h2 style={{ marginTop: 0 }}>Fine-tune with RL</h2>
      <p className="small muted">
        After a round publishes its imitation policy, REINFORCE runs episodes in the environment starting from it and stores the result as a
        new version, compared with the imitation policy on the same evaluation episodes (see the policies page). The next round rolls out
        the published policy: the fine-tuned one only if it is published.
      </p>
      {unavailable && <div className="alert error" role="status" data-testid="rl-unavailable">{unavailable}</div>}
      {message && <div className={`alert ${message.kind}`} role="status" data-testid="rl-finetune-message">{message.text}</div>}
      <label className="inline">
        <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="rl-enabled" disabled={unavailable !== null && value === null} /> Fine-tune with RL
        after round N
      </label>
      {enabled && (
        <div className="form-grid">
          <label>After round (N)<input name="afterRound" type="number" min={0} defaultValue={start.afterRound} data-testid="rl-afterRound" /><span className="help">Every round with index ≥ N.</span></label>
          <label>Iterations<input name="iterations" type="number" min={1} max={1000} defaultValue={start.iterations} /><span className="help">One gradient step each.</span></label>
          <label>Episodes per iteration<input name="episodesPerIteration" type="number" min={1} max={200} defaultValue={start.episodesPerIteration} /></label>
          <label>Learning rate<input name="learningRate" inputMode="decimal" defaultValue={start.learningRate} /><span className="help">Small, so the imitation policy is refined, not overwritten.</span></label>
          <label>
            Baseline
            <select name="baseline" defaultValue={start.baseline}>
              <option value="value">learned value (warmed up first)</option>
              <option value="mean">mean return-to-go</option>
            </select>
          </label>
          <label>Entropy bonus α<input name="entropyCoef" inputMode="decimal" defaultValue={start.entropyCoef} /></label>
          <label>Time limit (minutes)<input name="maxMinutes" inputMode="decimal" defaultValue={start.maxMinutes} /></label>
          <label>
            Publish
            <select name="publish" defaultValue={start.publish}>
              <option value="if-better">if it beats the imitation policy</option>
              <option value="never">never (keep as a candidate)</option>
            </select>
          </label>
        </div>
      )}
      <div><button type="submit" disabled={busy} data-testid="rl-save">{busy ? "Saving…" : "Save RL fine-tuning"}</button></div>
    </form>
  );
}
