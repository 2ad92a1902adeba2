import { actionProblem, type TSpace } from "../../contracts/spaces";
import { unprocessable } from "../errors";

/** Observation length must match the observation space (422 naming the exact field). */
export function checkObservation(space: TSpace, obs: readonly number[], field: string): void {
  const dim = space.type === "box" ? space.shape[0] : 1;
  if (obs.length !== dim) throw unprocessable(field, `must have ${dim} elements, got ${obs.length}`);
}

/** Action must fit the action space (422 naming the exact field). */
export function checkAction(space: TSpace, action: unknown, field: string): void {
  const problem = actionProblem(space, action);
  if (problem) throw unprocessable(field, problem);
}
