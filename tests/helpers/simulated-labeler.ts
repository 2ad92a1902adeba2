/**
 * A labeller simulated through the HTTP API: the scripted expert stands in for the human. Options make
 * it noisy (a random action with probability `noise`) or make it resubmit each label (same UUID) to
 * exercise idempotency.
 */
import { randomUUID } from "node:crypto";
import { createExpert, getEnvSpec, type Space } from "../../envs/index";
import { mulberry32 } from "../../trainer/random";
import { tasksWaiting, type ApiClient } from "./api-client";

export interface LabelerOptions {
  noise?: number;
  resubmit?: boolean;
  seed?: number;
}

export interface LabelerReport {
  labels: number;
  duplicates: number;
  conflicts: number;
  taskIds: string[];
}

/** A labeller's knowledge for an environment that is not built in (an external project's): its expert and action space. */
export interface ExternalExpert {
  act: (envState: number[]) => number | readonly number[];
  actionSpace: Space;
}

export async function labelUntilDone(api: ApiClient, projectId: string, env: string | ExternalExpert, opts: LabelerOptions = {}): Promise<LabelerReport> {
  const expert = typeof env === "string" ? createExpert(env, { seed: opts.seed ?? 0 }) : env;
  const space = typeof env === "string" ? getEnvSpec(env).actionSpace : env.actionSpace;
  const rng = mulberry32(opts.seed ?? 1);
  const report: LabelerReport = { labels: 0, duplicates: 0, conflicts: 0, taskIds: [] };
  for (;;) {
    const next = await api.post(`/api/v1/projects/${projectId}/tasks/next`);
    if (tasksWaiting(next)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (next.status === 204) return report;
    if (next.status !== 200) throw new Error(`tasks/next → ${next.status} ${JSON.stringify(next.body)}`);
    const { task, state } = next.body.data as { task: { id: string }; state: { envState: number[] } };
    report.taskIds.push(task.id);
    let action: number | number[];
    if (opts.noise && rng() < opts.noise) {
      action = space.type === "discrete" ? Math.floor(rng() * space.n) : space.low.map((lo, i) => lo + ((space.high[i] as number) - lo) * rng());
    } else {
      const a = expert.act(state.envState);
      action = typeof a === "number" ? a : Array.from(a);
    }
    const body = { id: randomUUID(), action, durationMs: 800 };
    const res = await api.post(`/api/v1/tasks/${task.id}/labels`, body);
    if (res.status === 201) report.labels++;
    else if (res.status === 409) report.conflicts++;
    else throw new Error(`label → ${res.status} ${JSON.stringify(res.body)}`);
    if (opts.resubmit && res.status === 201) {
      const again = await api.post(`/api/v1/tasks/${task.id}/labels`, body);
      if (again.status !== 200 || again.body.data.duplicate !== true || again.body.data.id !== body.id) throw new Error(`resubmission → ${again.status} ${JSON.stringify(again.body)}`);
      report.duplicates++;
    }
  }
}
