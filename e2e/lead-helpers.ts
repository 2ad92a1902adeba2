/**
 * Simulated labellers for the lead's e2e specs, over the API with a labeller's bearer token: the env's
 * scripted expert gives the action; `cantTellEvery` answers "can't tell" on every n-th state and `noise`
 * replaces the action by a random one with that probability (seeded), so review items exist.
 */
import { randomUUID } from "node:crypto";
import { createExpert, getEnvSpec } from "../envs/index";
import type { LeadApi } from "./labeling-helpers";

export interface ScriptedLabelerOptions {
  cantTellEvery?: number;
  noise?: number;
  seed?: number;
}

/** Labels until the server has no task left for this labeller; returns the number of labels the server stored (201). */
export async function labelAsExpert(api: LeadApi, projectId: string, envId: string, opts: ScriptedLabelerOptions = {}): Promise<number> {
  const expert = createExpert(envId);
  const space = getEnvSpec(envId).actionSpace;
  let seed = opts.seed ?? 1;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  let n = 0;
  let stored = 0;
  for (;;) {
    const next = await api.call("POST", `/api/v1/projects/${projectId}/tasks/next`, {});
    // 204 with Retry-After: the tasks left for this labeller are held by the other one right now.
    if (next.status === 204 && next.headers["retry-after"]) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (next.status === 204) return stored;
    if (next.status !== 200) throw new Error(`tasks/next → ${next.status} ${JSON.stringify(next.data)}`);
    const { task, state } = next.data as { task: { id: string }; state: { envState: number[] } };
    n++;
    let body: Record<string, unknown>;
    if (opts.cantTellEvery && n % opts.cantTellEvery === 0) body = { cantTell: true };
    else if (opts.noise && rand() < opts.noise) {
      body = { action: space.type === "discrete" ? Math.floor(rand() * space.n) : space.low.map((lo, i) => lo + ((space.high[i] ?? lo) - lo) * rand()) };
    } else {
      const a = expert.act(state.envState);
      body = { action: typeof a === "number" ? a : Array.from(a) };
    }
    const res = await api.call("POST", `/api/v1/tasks/${task.id}/labels`, { id: randomUUID(), ...body, durationMs: 700 });
    if (res.status === 201) stored++;
    else if (res.status !== 409) throw new Error(`label → ${res.status} ${JSON.stringify(res.data)}`);
  }
}
