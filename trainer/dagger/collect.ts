/**
 * Roll out and select: which states a DAgger round asks labels for. Demonstrations come from the
 * expert (one stream of episodes, or a pool of expert rollouts), DAgger rounds from the current policy
 * (β-mixed with the expert); the pooled steps are then selected (select.ts). Part of the loop (loop.ts).
 */
import type { Expert } from "../../envs/index";
import type { Policy } from "../policy/policy";
import { subSeed, type Rng } from "../random";
import { IMAGE_POLICY_LOCKSTEP, rollout, type RolloutStep } from "../rollout";
import type { DaggerArm, TDaggerConfig } from "./loop";
import { selectStates, type SelectionCandidate } from "./select";

/** States kept before each labelled state, for a ride-along labeller's reaction delay. */
const HISTORY_STEPS = 10;

/** Seed ranges, so data collection never reuses evaluation episodes. */
const EXPERT_SEEDS = 1_000;
const BC_EXPERT_SEEDS = 20_000;
const POLICY_SEEDS = 50_000;

export interface CollectedStates {
  readonly steps: RolloutStep[];
  /** Episodes rolled out (at least 1). */
  readonly episodes: number;
}

export interface StateCollector {
  /**
   * `statesPerRound` states to label: expert-visited with `policy === null` (demonstrations, the BC
   * arm), else visited by `policy` mixed with the expert at rate `beta`.
   */
  collect(arm: DaggerArm, round: number, policy: Policy | null, beta: number): CollectedStates;
  /** The states visited just before `step` (for people riding along; empty for a step not collected here). */
  history(step: RolloutStep): number[][] | undefined;
}

export interface CollectorOptions {
  readonly config: TDaggerConfig;
  readonly statesPerRound: number;
  /** The expert that drives demonstrations and the β-mixture. */
  readonly expert: Expert;
  /** The loop's selection stream (shared with labelling: the order of draws is part of a seed's result). */
  readonly rng: Rng;
}

export function createStateCollector({ config, statesPerRound, expert, rng }: CollectorOptions): StateCollector {
  const envOptions = config.envOptions ? { envOptions: config.envOptions } : {};
  const histories = new WeakMap<RolloutStep, number[][]>();
  const recordHistory = (steps: readonly RolloutStep[]): void => {
    steps.forEach((step, i) => {
      histories.set(step, steps.slice(Math.max(0, i - HISTORY_STEPS), i).flatMap((s) => (s.state ? [s.state] : [])));
    });
  };
  const demoSeed = config.demoSeed ?? EXPERT_SEEDS;
  const seedCursor: Record<string, number> = { expert: demoSeed, bc: BC_EXPERT_SEEDS + demoSeed - EXPERT_SEEDS, policy: POLICY_SEEDS };

  /**
   * Demonstrations as one stream of expert episodes (seeds demoSeed, demoSeed+1, …): round 0
   * takes the first `statesPerRound` steps, each BC round the next ones — like a person who keeps
   * demonstrating.
   */
  const demoStream = { seed: demoSeed, buffer: [] as RolloutStep[], episodes: 0 };
  const takeDemo = (n: number): CollectedStates => {
    const steps: RolloutStep[] = [];
    const before = demoStream.episodes;
    while (steps.length < n) {
      if (demoStream.buffer.length === 0) {
        const [tr] = rollout({ envId: config.envId, ...envOptions, expert, beta: 1, episodes: 1, firstSeed: demoStream.seed++ });
        demoStream.buffer = [...(tr as { steps: RolloutStep[] }).steps];
        recordHistory(demoStream.buffer);
        demoStream.episodes++;
      }
      steps.push(...demoStream.buffer.splice(0, n - steps.length));
    }
    return { steps, episodes: Math.max(demoStream.episodes - before, 1) };
  };

  /** Roll out (expert or policy), pool the visited steps, pick `statesPerRound` of them. */
  const collect = (arm: DaggerArm, round: number, policy: Policy | null, beta: number): CollectedStates => {
    if (policy === null && config.demos === "episodes") return takeDemo(statesPerRound);
    const cursorKey = policy === null ? (arm === "bc" && round > 0 ? "bc" : "expert") : "policy";
    const firstSeed = seedCursor[cursorKey] as number;
    const lockstep = policy?.isVisual ? { lockstep: IMAGE_POLICY_LOCKSTEP } : {};
    const trajectories = rollout({
      envId: config.envId,
      ...envOptions,
      ...(policy === null ? {} : { policy }),
      expert,
      beta: policy === null ? 1 : beta,
      episodes: config.maxRolloutEpisodes,
      firstSeed,
      seed: subSeed(config.seed, round, arm === "dagger" ? 1 : 2),
      maxTotalSteps: Math.max(statesPerRound * config.poolFactor, 1),
      ...lockstep,
    });
    // Top up to the minimum number of episodes (cheap) for diversity of starts.
    let all = trajectories;
    if (all.length < config.minRolloutEpisodes) {
      all = all.concat(
        rollout({
          envId: config.envId,
          ...envOptions,
          ...(policy === null ? {} : { policy }),
          expert,
          beta: policy === null ? 1 : beta,
          episodes: config.minRolloutEpisodes - all.length,
          firstSeed: firstSeed + all.length,
          seed: subSeed(config.seed, round, arm === "dagger" ? 3 : 4),
          ...lockstep,
        }).map((t) => ({ ...t, episode: t.episode + trajectories.length })),
      );
    }
    seedCursor[cursorKey] = firstSeed + all.length;
    const candidates: SelectionCandidate[] = [];
    const pool: RolloutStep[] = [];
    for (const tr of all) {
      recordHistory(tr.steps);
      const failed = tr.success === false;
      for (const step of tr.steps) {
        const risk = failed && step.t >= tr.length - config.riskHorizon ? 1 : 0;
        candidates.push({ trajectory: tr.episode, t: step.t, uncertainty: step.uncertainty, risk });
        pool.push(step);
      }
    }
    const strategy = policy === null ? "uniform" : config.select;
    const picked = selectStates(candidates, statesPerRound, strategy, rng);
    return { steps: picked.map((i) => pool[i] as RolloutStep), episodes: all.length };
  };

  return { collect, history: (step) => histories.get(step) };
}
