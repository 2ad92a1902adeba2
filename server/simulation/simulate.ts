import { Worker } from "node:worker_threads";
import type { SimEvaluation, SimReply, SimRequest, SimTrajectory } from "../../contracts/simulation";

/** Runs one simulation request in a fresh worker thread and resolves with its reply. */
function runInWorker(req: SimRequest): Promise<SimReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./sim-bootstrap.mjs", import.meta.url), { workerData: req, execArgv: [] });
    let settled = false;
    worker.once("message", (reply: SimReply) => {
      settled = true;
      resolve(reply);
      void worker.terminate();
    });
    worker.once("error", (err) => {
      if (!settled) reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`simulation worker exited with code ${code}`));
    });
  });
}

export async function simulateRollouts(req: Extract<SimRequest, { kind: "rollout" }>): Promise<SimTrajectory[]> {
  const reply = await runInWorker(req);
  if (!reply.ok) throw new Error(`rollout failed: ${reply.error}`);
  return reply.trajectories ?? [];
}

export async function simulateEvaluation(req: Extract<SimRequest, { kind: "evaluate" }>): Promise<SimEvaluation> {
  const reply = await runInWorker(req);
  if (!reply.ok || !reply.evaluation) throw new Error(`evaluation failed: ${reply.ok ? "no result" : reply.error}`);
  return reply.evaluation;
}
