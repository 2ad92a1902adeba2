/**
 * Runs one simulation request in a worker thread: policy rollouts (β-mixed with the scripted expert) or a
 * seeded evaluation. Vector policies act in plain JS (trainer/policy), with no tfjs backend; an image policy's
 * convolutions run on tfjs wasm (trainer/policy/tf-acting.ts: ≈ 3–6 ms a 64×64 step against ≈ 30–40 ms in plain
 * JS; the same features to ≈ 1e-7), plain JS where wasm cannot start. Messages: contracts/simulation.ts (the
 * request is parsed with its schema).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createExpert, getEnvSpec, type Action } from "../../envs/index";
import { loadBackend } from "../../trainer/backend";
import { evaluatePolicy } from "../../trainer/evaluate";
import { Policy } from "../../trainer/policy/policy";
import { loadTfActingPolicy } from "../../trainer/policy/tf-acting";
import { rollout } from "../../trainer/rollout";
import { ZSimRequest, type SimReply, type SimRequest } from "../../contracts/simulation";

const plain = (a: Action): number | number[] => (typeof a === "number" ? a : Array.from(a));

/** The policy to act with: an image policy's encoders on tfjs wasm when it starts, else the plain-JS policy. */
async function actingPolicy(blob: Uint8Array): Promise<Policy> {
  const policy = Policy.fromBlob(blob);
  if (!policy.isVisual) return policy;
  const backend = await loadBackend("wasm");
  if (!backend.attempt.ok) return policy;
  // The worker ends with this request, which frees the tfjs models with it.
  return (await loadTfActingPolicy(blob)).policy;
}

async function run(req: SimRequest): Promise<SimReply> {
  if (req.kind === "evaluate") {
    const summary = evaluatePolicy(await actingPolicy(req.blob), { envId: req.envId, episodes: req.episodes, firstSeed: req.firstSeed });
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
    ...(req.blob ? { policy: await actingPolicy(req.blob) } : {}),
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
  parentPort?.postMessage(await run(ZSimRequest.parse(workerData)));
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies SimReply);
}
