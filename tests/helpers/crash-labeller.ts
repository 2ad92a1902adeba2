/**
 * A simulated labeller for crash tests: labels with a scripted expert until the server has nothing left or
 * the connection dies, keeping the label in flight so it can be resubmitted (same UUID) after a restart, as
 * the browser's outbox does. Shared by restart.test.ts and crash-soak.test.ts.
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
export async function labelLoop(api: ApiClient, projectId: string, l: Labeller, acks: Acks, onAck: () => void = () => {}): Promise<"done" | "lost"> {
  const send = async (p: NonNullable<Labeller["pending"]>, resubmission: boolean) => {
    const res = await api.post(`/api/v1/tasks/${p.taskId}/labels`, p.body).catch(() => null);
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
    const next = await api.post(`/api/v1/projects/${projectId}/tasks/next`).catch(() => null);
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

