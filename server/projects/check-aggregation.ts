/**
 * Whether a project may use an aggregation rule: `majority` takes the per-dimension median of every label,
 * which on a continuous action space lands between two modes — exactly what a multimodal head (mixture,
 * autoregressive, CVAE, diffusion) is there to avoid learning — so it is refused for those heads (422 on
 * the field). The other rules suit every project.
 */
import type { TAggregationRule, TProjectSettings } from "../../contracts/settings";
import type { TSpace } from "../../contracts/spaces";
import { unprocessable } from "../errors";

export function aggregationProblem(rule: TAggregationRule, actionSpace: Pick<TSpace, "type">, settings: Pick<TProjectSettings, "head">): string | null {
  if (rule !== "majority" || actionSpace.type !== "box") return null;
  const head = settings.head === "auto" ? "gaussian" : settings.head;
  if (head === "gaussian") return null;
  return `"majority" takes the median of every label and would average the modes that the ${head} head is there to keep apart; use "mode-aware" or "reliability"`;
}

export function assertAggregationRule(rule: TAggregationRule, actionSpace: Pick<TSpace, "type">, settings: Pick<TProjectSettings, "head">, field: string): void {
  const problem = aggregationProblem(rule, actionSpace, settings);
  if (problem) throw unprocessable(field, problem);
}
