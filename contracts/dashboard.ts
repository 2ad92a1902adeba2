/** The rounds dashboard: one row per round, the learning curve and the reference lines. */
import type { TRoundStatus } from "./rounds";

export interface TDashboardRound {
  index: number;
  status: TRoundStatus;
  error: string | null;
  failedFrom: TRoundStatus | null;
  beta: number;
  rollouts: number;
  states: number;
  tasksTotal: number;
  tasksDone: number;
  labels: number;
  /** Mean agreement of the round's aggregated (non-gold) states; null before aggregation. */
  agreement: number | null;
  /** States of this round waiting in the review queue. */
  inReview: number;
  datasetVersion: number | null;
  datasetSize: number | null;
  policyVersion: number | null;
  trainMs: number | null;
  backend: string | null;
  finalLoss: number | null;
  /** Live (or last) training progress. */
  training: { epoch: number; epochs: number; loss: number; valLoss?: number | null } | null;
  normalizedReturn: number | null;
  meanReturn: number | null;
  successRate: number | null;
  /** Steps where a person took over the robot (HG-DAgger), and their share of the round's external rollout steps. */
  interventions: number;
  interventionRate: number | null;
  createdAt: string;
  updatedAt: string;
}

/** One reference curve of `npm run bench:efficacy` (bench/results/efficacy-reference.json). */
export interface TReferenceCurve {
  envId: string;
  /** The benchmark experiment, e.g. "A. CarTrack-v1: DAgger vs BC (same labels)". */
  experiment: string;
  /** The arm, e.g. "CarTrack-v1 DAgger". */
  label: string;
  seeds: number;
  /** Labels spent (x), mean normalised return over seeds and its 95 % CI half-width (y), per round. */
  labels: number[];
  mean: number[];
  ci95: number[];
}

/** The reference curves for a project's env, with where they came from. */
export interface TReferenceCurves {
  source: string;
  date: string;
  /** Whether they come from a `--quick` run (fewer seeds and rounds). */
  quick: boolean;
  curves: TReferenceCurve[];
}

export interface TDashboard {
  project: { id: string; name: string; envId: string | null; hasExpert: boolean; external: boolean };
  rounds: TDashboardRound[];
  curve: {
    /** Evaluation normalised return per published round (1.0 = the scripted expert, 0 = random). */
    /** `samples`: the size of the round's dataset version (labels, demonstrations and gold so far), the x of the reference comparison. */
    points: { round: number; normalizedReturn: number; samples: number | null }[];
    expert: number;
    /** Round 0's score: behaviour cloning on the demonstrations alone. */
    bc: number | null;
    /** Intervention rate per round with external rollouts (the number HG-DAgger and ThriftyDAgger drive down). */
    interventionRates: { round: number; rate: number }[];
  };
  /** Loss per epoch of the most recent trained policy (the live curve comes from `training:progress`). */
  lastLossCurve: { round: number; points: { epoch: number; loss: number; valLoss?: number | null }[] } | null;
  reviewPending: number;
  publishedPolicyVersion: number | null;
  /** `npm run bench:efficacy`'s curves for the project's env; null when there are none (other envs, external projects). */
  references: TReferenceCurves | null;
}
