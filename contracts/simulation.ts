/**
 * Requests and replies of the simulation worker thread (server/simulation/: rollouts and evaluation off the
 * event loop). The worker (sim-worker.ts) parses its request with `ZSimRequest`; its reply is built from typed
 * values and typed `SimReply` on both sides (not parsed again: a rollout reply holds every step of every episode).
 */
import { z } from "zod";
import { ZActionOut } from "./fields";
import { ZBytes } from "./trainer-protocol";

const ZEpisodes = { envId: z.string(), episodes: z.number().int(), firstSeed: z.number().int() };

export const ZSimRequest = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rollout"),
    ...ZEpisodes,
    /** Policy blob; absent for pure expert demonstrations (β = 1). */
    blob: ZBytes.optional(),
    /** Share of expert actions mixed in (β-DAgger). */
    beta: z.number(),
    maxTotalSteps: z.number().int(),
  }),
  z.object({ kind: z.literal("evaluate"), ...ZEpisodes, blob: ZBytes }),
]);
export type SimRequest = z.output<typeof ZSimRequest>;

export const ZSimStep = z.object({
  observation: z.array(z.number()),
  state: z.array(z.number()).nullable(),
  action: ZActionOut,
  policyAction: ZActionOut.nullable(),
  uncertainty: z.number(),
  reward: z.number(),
});
export type SimStep = z.output<typeof ZSimStep>;

export const ZSimTrajectory = z.object({
  seed: z.number().int(),
  return: z.number(),
  length: z.number().int(),
  success: z.boolean().nullable(),
  steps: z.array(ZSimStep),
});
export type SimTrajectory = z.output<typeof ZSimTrajectory>;

export const ZSimEvaluation = z.object({
  meanReturn: z.number(),
  successRate: z.number().nullable(),
  normalizedReturn: z.number().nullable(),
  episodes: z.number().int(),
  meanLength: z.number(),
});
export type SimEvaluation = z.output<typeof ZSimEvaluation>;

export const ZSimReply = z.union([
  z.object({ ok: z.literal(true), trajectories: z.array(ZSimTrajectory).optional(), evaluation: ZSimEvaluation.optional() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type SimReply = z.output<typeof ZSimReply>;
