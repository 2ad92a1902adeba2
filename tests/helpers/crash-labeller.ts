/**
 * A simulated labeller for crash tests: labels with a scripted expert until the server has nothing left or
 * the connection dies, keeping the label in flight so it can be resubmitted (same UUID) after a restart, as
 * the browser's outbox does; or, with `batch`, through the batched routes (a batch of tasks claimed and labelled in
 * one request each, the whole batch resubmitted). Shared by restart.test.ts and crash-soak.test.ts.
 */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { createExpert } from "../../envs/index";
import { tasksWaiting, type ApiClient } from "./api-client";

export interface Labeller {
  token: string;
  expert: ReturnType<typeof createExpert>;
  /** The label sent whose answer never came (the server died): resubmitted with the same id. */
  pending?: { taskId: string; body: { id: string; action: number } };
  /** The same for a batch sent to POST /api/v1/labels (a batched labeller): resubmitted whole, same ids. */
  pendingBatch?: { taskId: string; id: string; action: number }[];
}

/**
 * A request, sent again while the server answers 503 (no database connection free within its wait — a machine
 * this busy, or a restart under way), as the Python and TypeScript clients do; null when the connection died.
 */
async function retryUnavailable<T extends { status: number }>(send: () => Promise<T>): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    const res = await send().catch(() => null);
    if (!res || res.status !== 503 || attempt >= 20) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every label in flight (sent, not acknowledged): label id → task id. */
export function inFlight(labellers: Labeller[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of labellers) {
    if (l.pending) out.set(l.pending.body.id, l.pending.taskId);
    for (const b of l.pendingBatch ?? []) out.set(b.id, b.taskId);
  }
  return out;
}

export interface Acks {
  /** label id → task id, for every label the server answered 201 or 200. */
  byId: Map<string, string>;
  /** Resubmissions after a restart answered 200: committed before the kill, but never acknowledged. */
  recovered: number;
}

/**
 * Labels until the server says nothing is left (→ "done") or the connection dies (→ "lost", with the
 * in-flight label kept in `l.pending`). `onAck` runs after every acknowledged label.
 */
export async function labelLoop(api: ApiClient, projectId: string, l: Labeller, acks: Acks, onAck: () => void = () => {}, batch = 0): Promise<"done" | "lost"> {
  if (batch > 0) return batchLoop(api, projectId, l, acks, onAck, batch);
  const send = async (p: NonNullable<Labeller["pending"]>, resubmission: boolean) => {
    const res = await retryUnavailable(() => api.post(`/api/v1/tasks/${p.taskId}/labels`, p.body));
    if (!res) return "lost" as const;
    if (res.status !== 201 && res.status !== 200) throw new Error(`label → ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status === 200 && resubmission) acks.recovered++;
    expect(res.body.data.id).toBe(p.body.id);
    acks.byId.set(p.body.id, p.taskId);
    l.pending = undefined;
    onAck();
    return "ok" as const;
  };
  if (l.pending && (await send(l.pending, true)) === "lost") return "lost";
  for (;;) {
    const next = await retryUnavailable(() => api.post(`/api/v1/projects/${projectId}/tasks/next`));
    if (!next) return "lost";
    if (tasksWaiting(next)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (next.status === 204) return "done";
    if (next.status !== 200) throw new Error(`tasks/next → ${next.status} ${JSON.stringify(next.body)}`);
    const { task, state } = next.body.data as { task: { id: string }; state: { envState: number[] } };
    l.pending = { taskId: task.id, body: { id: randomUUID(), action: l.expert.act(state.envState) as number } };
    if ((await send(l.pending, false)) === "lost") return "lost";
  }
}


/** `labelLoop` through the batched routes: claim `batch` tasks (POST …/tasks/claim), label them in one POST /api/v1/labels. */
async function batchLoop(api: ApiClient, projectId: string, l: Labeller, acks: Acks, onAck: () => void, batch: number): Promise<"done" | "lost"> {
  const send = async (labels: NonNullable<Labeller["pendingBatch"]>, resubmission: boolean) => {
    const res = await retryUnavailable(() => api.post("/api/v1/labels", { labels }));
    if (!res) return "lost" as const;
    if (res.status !== 200) throw new Error(`labels → ${res.status} ${JSON.stringify(res.body)}`);
    const results = res.body.data.results as { id: string; taskId: string; status: number }[];
    expect(results.map((r) => r.id)).toEqual(labels.map((b) => b.id));
    for (const r of results) {
      if (r.status !== 201 && r.status !== 200) throw new Error(`label in a batch → ${JSON.stringify(r)}`);
      if (r.status === 200 && resubmission) acks.recovered++;
      acks.byId.set(r.id, r.taskId);
    }
    l.pendingBatch = undefined;
    for (let i = 0; i < results.length; i++) onAck();
    return "ok" as const;
  };
  if (l.pendingBatch && (await send(l.pendingBatch, true)) === "lost") return "lost";
  for (;;) {
    const claim = await retryUnavailable(() => api.post(`/api/v1/projects/${projectId}/tasks/claim`, { count: batch }));
    if (!claim) return "lost";
    if (claim.status !== 200) throw new Error(`tasks/claim → ${claim.status} ${JSON.stringify(claim.body)}`);
    const { tasks, waiting } = claim.body.data as { tasks: { task: { id: string }; state: { envState: number[] } }[]; waiting: number };
    if (tasks.length === 0) {
      if (waiting === 0) return "done";
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    l.pendingBatch = tasks.map((t) => ({ taskId: t.task.id, id: randomUUID(), action: l.expert.act(t.state.envState) as number }));
    if ((await send(l.pendingBatch, false)) === "lost") return "lost";
  }
}
