/**
 * Runs one simulation request in a worker thread: policy rollouts (β-mixed with the scripted expert) or a
 * seeded evaluation. Pure JS inference (trainer/policy), so no tfjs backend is needed here. Messages:
 * contracts/simulation.ts (the request is parsed with its schema).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createExpert, getEnvSpec, type Action } from "../../envs/index";
import { evaluatePolicy } from "../../trainer/evaluate";
import { Policy } from "../../trainer/policy/policy";
import { rollout } from "../../trainer/rollout";
import { ZSimRequest, type SimReply, type SimRequest } from "../../contracts/simulation";

const plain = (a: Action): number | number[] => (typeof a === "number" ? a : Array.from(a));

function run(req: SimRequest): SimReply {
  if (req.kind === "evaluate") {
    const summary = evaluatePolicy(Policy.fromBlob(req.blob), { envId: req.envId, episodes: req.episodes, firstSeed: req.firstSeed });
    return {
      ok: true,
      evaluation: {
        meanReturn: summary.meanReturn,
        successRate: summary.successRate,
        normalizedReturn: summary.normalizedReturn,
        episodes: summary.episodes,
        meanLength: summary.meanLength,
      },
    };
  }
  const hasExpert = getEnvSpec(req.envId).hasExpert;
  const trajectories = rollout({
    envId: req.envId,
    ...(req.blob ? { policy: Policy.fromBlob(req.blob) } : {}),
    ...(hasExpert && req.beta > 0 ? { expert: createExpert(req.envId, { seed: req.firstSeed }) } : {}),
    beta: hasExpert ? req.beta : 0,
    episodes: req.episodes,
    firstSeed: req.firstSeed,
    maxTotalSteps: req.maxTotalSteps,
  });
  return {
    ok: true,
    trajectories: trajectories.map((tr) => ({
      seed: tr.seed,
      return: tr.return,
      length: tr.length,
      success: tr.success,
      steps: tr.steps.map((s) => ({
        observation: s.observation,
        state: s.state ?? null,
        action: plain(s.action),
        policyAction: s.policyAction === undefined ? null : plain(s.policyAction),
        uncertainty: s.uncertainty,
        reward: s.reward,
      })),
    })),
  };
}

try {
  parentPort?.postMessage(run(ZSimRequest.parse(workerData)));
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies SimReply);
}
