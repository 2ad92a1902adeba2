/** The review queue's typed value: parsed and checked against the action space, and a label's value as text. */
import { actionProblem, type TSpace } from "@/contracts/spaces";

/** The typed value as an action, or a message saying what is wrong with it. */
export function parseValue(space: TSpace, text: string): { action: number | number[] } | { problem: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (parts.length === 0) return { problem: "Type a value or pick a label" };
  if (parts.some((x) => !Number.isFinite(x))) return { problem: "Only numbers, separated by commas" };
  const action = space.type === "discrete" ? (parts.length === 1 ? (parts[0] as number) : parts) : parts;
  const problem = actionProblem(space, action);
  return problem ? { problem: `The value ${problem}` } : { action };
}

export const valueText = (a: number | number[]) => (Array.isArray(a) ? a.map((x) => Number(x.toFixed(4))).join(", ") : String(a));
