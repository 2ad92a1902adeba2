/** The events `bench/realtime.ts` publishes, numbered so that every client process can tell them apart. */
import type { ProjectEvent } from "../../contracts/realtime";

export const BENCH_EVENT_KINDS = ["round:progress", "policy:published"] as const;

export function benchEvent(kind: (typeof BENCH_EVENT_KINDS)[number], e: number, projectId: string): ProjectEvent {
  return kind === "round:progress"
    ? { type: "round:progress", projectId, roundIndex: 1, progress: { tasksTotal: 500, tasksDone: e, labels: e } }
    : { type: "policy:published", projectId, roundIndex: 1, policyId: "00000000-0000-4000-8000-000000000000", version: e + 1, metrics: { meanReturn: 500 } };
}

/** Which benchmark event this is. */
export const eventKey = (e: ProjectEvent) => (e.type === "round:progress" ? `p${e.progress.tasksDone}` : e.type === "policy:published" ? `v${e.version}` : "");
