/**
 * β schedules: the probability that a DAgger rollout executes the expert's action at a step.
 * Iteration numbering follows Ross et al. (2011): iteration i = 1 is pure expert (our round 0,
 * behaviour cloning), so round r ≥ 1 uses β_{r+1}.
 *
 * - constant: β_i = β
 * - linear: from `start` at i = 1 to `end` at i = `rounds`, then `end`
 * - exponential: β_i = p^(i−1)
 *
 * Browser-safe.
 */
import { z } from "zod";

export const ZBetaSchedule = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), beta: z.number().min(0).max(1) }),
  z.object({
    kind: z.literal("linear"),
    start: z.number().min(0).max(1),
    end: z.number().min(0).max(1),
    rounds: z.number().int().min(1),
  }),
  z.object({ kind: z.literal("exponential"), p: z.number().min(0).max(1) }),
]);
export type TBetaSchedule = z.infer<typeof ZBetaSchedule>;

/** β for DAgger iteration `i` (1-based). */
export function betaAt(schedule: TBetaSchedule, i: number): number {
  if (!Number.isInteger(i) || i < 1) throw new Error(`betaAt: iteration must be an integer ≥ 1, got ${i}`);
  switch (schedule.kind) {
    case "constant":
      return schedule.beta;
    case "linear": {
      if (schedule.rounds <= 1) return schedule.end;
      const f = Math.min((i - 1) / (schedule.rounds - 1), 1);
      return schedule.start + (schedule.end - schedule.start) * f;
    }
    case "exponential":
      return schedule.p ** (i - 1);
  }
}

/** β for loop round `round` (0 = behaviour cloning on demonstrations, β = 1). */
export function betaForRound(schedule: TBetaSchedule, round: number): number {
  return round === 0 ? 1 : betaAt(schedule, round + 1);
}

/**
 * Parses the CLI form: `0.3` or `constant:0.3`, `linear:START:END:ROUNDS`, `exp:P` / `exponential:P`.
 * @throws Error with the accepted forms.
 */
export function parseBetaSchedule(text: string): TBetaSchedule {
  const parts = text.trim().split(":");
  const nums = parts.slice(1).map(Number);
  const kind = parts[0] ?? "";
  let candidate: unknown;
  if (parts.length === 1 && kind !== "" && Number.isFinite(Number(kind))) candidate = { kind: "constant", beta: Number(kind) };
  else if (kind === "constant") candidate = { kind, beta: nums[0] };
  else if (kind === "linear") candidate = { kind, start: nums[0], end: nums[1], rounds: nums[2] };
  else if (kind === "exp" || kind === "exponential") candidate = { kind: "exponential", p: nums[0] };
  const parsed = ZBetaSchedule.safeParse(candidate);
  if (!parsed.success) {
    throw new Error(`bad beta schedule "${text}": use 0.3 | constant:0.3 | linear:1:0:10 | exp:0.5 (values in [0, 1])`);
  }
  return parsed.data;
}
