/**
 * Whether a project can use "fine-tune with RL after round N": REINFORCE needs a simulator with rewards
 * (a built-in env — an external project's rollouts cannot be re-run), a head with an exact log-likelihood
 * and a single network (not an ensemble). Used when the option is set (422 on the field) and again by the
 * finetune job.
 */
import { RL_HEADS, type TProjectSettings, type TRlFineTune } from "../../contracts/settings";
import type { TSpace } from "../../contracts/spaces";
import type { Project } from "../../db/schema";
import { unprocessable } from "../errors";
import { projectSpec } from "./project-spec";

export interface RlCheckInput {
  envId: string | null;
  actionSpace: Pick<TSpace, "type">;
  settings: Pick<TProjectSettings, "head" | "ensembleSize" | "selection">;
}

/** The reason the project cannot be RL-fine-tuned, or null. */
export function rlFineTuneProblem(p: RlCheckInput): string | null {
  if (!p.envId) return "RL fine-tuning needs a built-in environment with rewards to run episodes in; this project's rollouts come from outside";
  const head = p.settings.head === "auto" ? (p.actionSpace.type === "discrete" ? "categorical" : "gaussian") : p.settings.head;
  if (!(RL_HEADS as readonly string[]).includes(head)) {
    return `RL fine-tuning needs a policy head with an exact log-likelihood (${RL_HEADS.join(", ")}); this project uses ${head}`;
  }
  const ensemble = p.settings.ensembleSize || (p.settings.selection === "uncertainty" ? 5 : 1);
  if (ensemble > 1) return `RL fine-tuning fine-tunes a single policy; this project trains an ensemble of ${ensemble}`;
  return null;
}

/** Throws a 422 on `field` when the option is set and the project cannot use it. */
export function assertRlFineTunable(p: RlCheckInput, enabled: boolean, field: string): void {
  if (!enabled) return;
  const problem = rlFineTuneProblem(p);
  if (problem) throw unprocessable(field, problem);
}

/** The project's current option and, if it cannot use one, why (for the settings page). */
export function rlFineTuneSetting(project: Pick<Project, "id" | "envId" | "config">): { value: TRlFineTune | null; problem: string | null } {
  const spec = projectSpec(project as Project);
  return { value: spec.settings.rlFineTune, problem: rlFineTuneProblem(spec) };
}
