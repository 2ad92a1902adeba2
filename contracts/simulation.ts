/** Requests and replies of the simulation worker thread (server/simulation/: rollouts and evaluation off the event loop). */
export type SimRequest =
  | {
      kind: "rollout";
      envId: string;
      /** Policy blob; absent for pure expert demonstrations (β = 1). */
      blob?: Uint8Array;
      episodes: number;
      firstSeed: number;
      beta: number;
      maxTotalSteps: number;
    }
  | { kind: "evaluate"; envId: string; blob: Uint8Array; episodes: number; firstSeed: number };

export interface SimStep {
  observation: number[];
  state: number[] | null;
  action: number | number[];
  policyAction: number | number[] | null;
  uncertainty: number;
  reward: number;
}

export interface SimTrajectory {
  seed: number;
  return: number;
  length: number;
  success: boolean | null;
  steps: SimStep[];
}

export interface SimEvaluation {
  meanReturn: number;
  successRate: number | null;
  normalizedReturn: number | null;
  episodes: number;
  meanLength: number;
}

export type SimReply = { ok: true; trajectories?: SimTrajectory[]; evaluation?: SimEvaluation } | { ok: false; error: string };
