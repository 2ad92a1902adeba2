/**
 * The instance's training budget (`TRAINING_BUDGET`, set by the administrator): a project's settings may ask
 * for at most `epochs × parameters × ensemble members × episodes` of that size, so one account cannot book a
 * 1000-epoch, 4×4096-unit, 16-member, 1000-episode round on a shared trainer. `parameters` is estimated from
 * the policy the settings describe (MLP trunk observation → hidden layers, plus the head's output layer; cvae
 * and diffusion heads train a second network of the trunk's size); `episodes` counts rollout, evaluation and
 * RL fine-tuning episodes per round. Refused with 422 naming the settings raised above their defaults.
 */
import { ZProjectSettings, type THeadName, type TProjectSettings } from "../../contracts/settings";
import { AppError, type FieldErrors } from "../errors";

const DEFAULTS = ZProjectSettings.parse({});

/** What the estimate needs of a space (built-in env specs have readonly shapes). */
type TSpace = { type: "discrete"; n: number } | { type: "box"; shape: readonly number[] };

/** Output units of the policy head's last layer for an action space. */
function headOutputs(head: THeadName, action: TSpace): number {
  if (action.type === "discrete") return action.n;
  const d = action.shape[0] ?? 1;
  if (head === "mog") return 5 * (1 + 2 * d);
  if (head === "autoregressive") return 41 * d;
  return 2 * d;
}

/** Estimated trainable parameters of one ensemble member. */
export function policyParameterCount(observation: TSpace, action: TSpace, settings: Pick<TProjectSettings, "hiddenUnits" | "head">): number {
  const obsDim = observation.type === "box" ? (observation.shape[0] ?? 1) : 1;
  const head: THeadName = settings.head === "auto" ? (action.type === "discrete" ? "categorical" : "gaussian") : settings.head;
  const widths = [obsDim, ...settings.hiddenUnits, headOutputs(head, action)];
  let params = 0;
  for (let i = 1; i < widths.length; i++) params += ((widths[i - 1] as number) + 1) * (widths[i] as number);
  return head === "cvae" || head === "diffusion" ? 2 * params : params;
}

export interface TrainingCost {
  epochs: number;
  parameters: number;
  ensemble: number;
  episodes: number;
  total: number;
}

export function trainingCost(observation: TSpace, action: TSpace, s: TProjectSettings): TrainingCost {
  const parameters = policyParameterCount(observation, action, s);
  const ensemble = s.ensembleSize || (s.selection === "uncertainty" ? 5 : 1);
  const episodes = s.rolloutEpisodes + s.evalEpisodes + (s.rlFineTune ? s.rlFineTune.iterations * s.rlFineTune.episodesPerIteration : 0);
  return { epochs: s.epochs, parameters, ensemble, episodes, total: s.epochs * parameters * ensemble * episodes };
}

/**
 * 422 when the settings cost more than `budget` (0 = no budget). `fieldPrefix` is how the caller's body names
 * the settings (`settings.` on create, nothing on update).
 */
export function assertWithinBudget(observation: TSpace, action: TSpace, settings: TProjectSettings, budget: number, fieldPrefix = "settings."): void {
  if (budget <= 0) return;
  const cost = trainingCost(observation, action, settings);
  if (cost.total <= budget) return;
  const raised: (keyof TProjectSettings)[] = [];
  if (settings.epochs > DEFAULTS.epochs) raised.push("epochs");
  if (cost.parameters > policyParameterCount(observation, action, { ...settings, hiddenUnits: DEFAULTS.hiddenUnits })) raised.push("hiddenUnits");
  if (cost.ensemble > 1) raised.push("ensembleSize");
  if (settings.rolloutEpisodes > DEFAULTS.rolloutEpisodes) raised.push("rolloutEpisodes");
  if (settings.evalEpisodes > DEFAULTS.evalEpisodes) raised.push("evalEpisodes");
  if (settings.rlFineTune) raised.push("rlFineTune");
  const fields = (raised.length ? raised : ["epochs", "hiddenUnits", "ensembleSize", "rolloutEpisodes"]).map((f) => `${fieldPrefix}${f}`);
  const problem =
    `training cost ${cost.epochs} epochs × ${cost.parameters.toLocaleString("en")} parameters × ${cost.ensemble} ensemble × ${cost.episodes} episodes ` +
    `= ${cost.total.toExponential(2)} exceeds this instance's budget of ${budget.toExponential(2)} (TRAINING_BUDGET); lower ${fields.join(", ")}`;
  const fieldErrors: FieldErrors = Object.fromEntries(fields.map((f) => [f, [problem]]));
  throw new AppError("UNPROCESSABLE", `${fields[0]}: ${problem}`, { fieldErrors });
}
