/** The rounds dashboard: one row per round, the learning curve and the reference lines. */
import { z } from "zod";
import { zId, zTimestamp } from "./fields";
import { ROUND_STATUSES } from "./rounds";

/** Live (or last) training progress, and the loss per epoch of a trained policy. */
const ZLossPoint = { loss: z.number(), valLoss: z.number().nullable().optional() };

export const ZDashboardRound = z.object({
  index: z.number(),
  status: z.enum(ROUND_STATUSES),
  error: z.string().nullable(),
  failedFrom: z.enum(ROUND_STATUSES).nullable(),
  beta: z.number(),
  rollouts: z.number(),
  states: z.number(),
  tasksTotal: z.number(),
  tasksDone: z.number(),
  labels: z.number(),
  /** Null before aggregation. */
  agreement: z.number().nullable().describe("Mean agreement of the round's aggregated (non-gold) states."),
  /** States of this round waiting in the review queue. */
  inReview: z.number(),
  datasetVersion: z.number().nullable(),
  datasetSize: z.number().nullable(),
  policyVersion: z.number().nullable(),
  trainMs: z.number().nullable(),
  backend: z.string().nullable(),
  finalLoss: z.number().nullable(),
  /** Live (or last) training progress. */
  training: z.object({ epoch: z.number(), epochs: z.number(), ...ZLossPoint }).nullable(),
  normalizedReturn: z.number().nullable(),
  meanReturn: z.number().nullable(),
  successRate: z.number().nullable(),
  /** Their share of the round's external rollout steps is `interventionRate`. */
  interventions: z.number().describe("Steps where a person took over the robot (HG-DAgger)."),
  interventionRate: z.number().nullable().describe("interventions / steps of the round's external rollouts."),
  createdAt: zTimestamp(),
  updatedAt: zTimestamp(),
});
export type TDashboardRound = z.output<typeof ZDashboardRound>;

/** One reference curve of `npm run bench:efficacy` (bench/results/efficacy-reference.json). */
export const ZReferenceCurve = z.object({
  envId: z.string(),
  /** The benchmark experiment, e.g. "A. CarTrack-v1: DAgger vs BC (same labels)". */
  experiment: z.string(),
  /** The arm, e.g. "CarTrack-v1 DAgger". */
  label: z.string(),
  seeds: z.number(),
  /** Labels spent (x), mean normalised return over seeds and its 95 % CI half-width (y), per round. */
  labels: z.array(z.number()),
  mean: z.array(z.number()),
  ci95: z.array(z.number()),
});
export type TReferenceCurve = z.output<typeof ZReferenceCurve>;

/** The reference curves for a project's env, with where they came from. */
export const ZReferenceCurves = z.object({
  source: z.string(),
  date: z.string(),
  /** Whether they come from a `--quick` run (fewer seeds and rounds). */
  quick: z.boolean(),
  curves: z.array(ZReferenceCurve),
});
export type TReferenceCurves = z.output<typeof ZReferenceCurves>;

export const ZDashboardView = z.object({
  project: z.object({ id: zId(), name: z.string(), envId: z.string().nullable(), hasExpert: z.boolean(), external: z.boolean() }),
  rounds: z.array(ZDashboardRound),
  curve: z.object({
    /** Evaluation normalised return per published round (1.0 = the scripted expert, 0 = random). */
    points: z.array(
      z.object({
        round: z.number(),
        normalizedReturn: z.number(),
        /** The size of the round's dataset version (labels, demonstrations and gold so far). */
        samples: z.number().nullable().describe("Size of the round's dataset version: the x of the reference comparison."),
      }),
    ),
    expert: z.number().describe("The scripted expert's normalised return: 1."),
    /** Round 0's score: behaviour cloning on the demonstrations alone. */
    bc: z.number().nullable().describe("Round 0 (behaviour cloning) normalised return."),
    /** The number HG-DAgger and ThriftyDAgger drive down. */
    interventionRates: z.array(z.object({ round: z.number(), rate: z.number() })).describe("Intervention rate per round with external rollouts."),
  }),
  /** Loss per epoch of the most recent trained policy (the live curve comes from `training:progress`). */
  lastLossCurve: z.object({ round: z.number(), points: z.array(z.object({ epoch: z.number(), ...ZLossPoint })) }).nullable(),
  reviewPending: z.number(),
  publishedPolicyVersion: z.number().nullable(),
  /** Null for other envs and external projects. */
  references: ZReferenceCurves.nullable().describe(
    "`npm run bench:efficacy` reference curves (normalised return against labels, mean and 95% CI over seeds) for the project's env; null when there are none.",
  ),
});
export type TDashboard = z.output<typeof ZDashboardView>;
