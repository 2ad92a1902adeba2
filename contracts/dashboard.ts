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

export interface TDashboard {
  project: { id: string; name: string; envId: string | null; hasExpert: boolean; external: boolean };
  rounds: TDashboardRound[];
  curve: {
    /** Evaluation normalised return per published round (1.0 = the scripted expert, 0 = random). */
    points: { round: number; normalizedReturn: number }[];
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
}
