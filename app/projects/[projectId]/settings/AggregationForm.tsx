"use client";

/** The project's aggregation rule (`PATCH …/projects/{id} {aggregation}`; the server refuses what the project cannot use). */
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { AGGREGATION_RULES, type TAggregationRule } from "@/contracts/settings";
import { API } from "@/contracts/routes";
import { api, errorMessage } from "@/app/_components/api-client";

const HELP: Record<TAggregationRule, string> = {
  "mode-aware": "cluster each state's labels; keep each well-supported mode (multimodal head) or send a split to review — never averages two modes",
  majority: "the plain vote / median of every label (not for a multimodal head on continuous actions: it would average the modes)",
  reliability: "estimate each labeller's accuracy from gold states and agreement over the round, and weight labels by it",
};

export function AggregationForm({ projectId, value }: { projectId: string; value: TAggregationRule }) {
  const router = useRouter();
  const [rule, setRule] = useState<TAggregationRule>(value);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api(API.project(projectId), { method: "PATCH", body: { aggregation: rule } });
    } catch (err) {
      return setMessage({ kind: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
    setMessage({ kind: "ok", text: "Saved: applies from the next round that aggregates." });
    router.refresh();
  }

  return (
    <form className="stack panel" onSubmit={onSubmit} data-testid="aggregation-form">
      <h2 className="panel-heading">Label aggregation</h2>
      {message && <div className={`alert ${message.kind}`} role="status">{message.text}</div>}
      <label>
        Rule
        <select value={rule} onChange={(e) => setRule(e.target.value as TAggregationRule)} data-testid="field-aggregation">
          {AGGREGATION_RULES.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
      </label>
      <p className="muted small">{HELP[rule]}</p>
      <div><button type="submit" disabled={busy || rule === value}>{busy ? "Saving…" : "Save"}</button></div>
    </form>
  );
}
