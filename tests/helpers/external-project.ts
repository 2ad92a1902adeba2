/**
 * An external project (observations box(2), actions discrete(3)) taken through the API to a labelling round:
 * round 0 trains on uploaded demonstrations and publishes, round 1 receives one 4-step rollout and, closed,
 * makes one task per state. Returns the task ids (claimed and released again, so all are free) and one state.
 */
import { expect } from "vitest";
import { waitFor, type ApiClient } from "./api-client";

export const EXTERNAL = {
  observationSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] },
  actionSpace: { type: "discrete", n: 3 },
};

export async function externalProjectInLabeling(lead: ApiClient, name: string, settings: Record<string, unknown>): Promise<{ id: string; taskIds: string[]; stateId: string }> {
  const project = await lead.ok("POST", "/api/v1/projects", { name, external: EXTERNAL, settings });
  const steps = Array.from({ length: 24 }, (_, t) => ({ observation: [Math.sin(t), Math.cos(t)], action: t % 3 }));
  await lead.ok("POST", `/api/v1/projects/${project.id}/demonstrations`, { episodes: [{ steps }] });
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds/0/close`);
  await waitFor(`${name} round 0 published`, async () => {
    const r = await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/0`);
    if (r.status === "failed") throw new Error(`round 0 failed: ${r.error}`);
    return r.status === "published";
  });
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
  await lead.ok("POST", `/api/v1/projects/${project.id}/rollouts`, { steps: Array.from({ length: 4 }, (_, t) => ({ observation: [t / 4, -t / 4], policyAction: 0 })) });
  const round = await lead.ok("POST", `/api/v1/projects/${project.id}/rounds/1/close`);
  expect(round).toMatchObject({ status: "labeling", progress: { tasksTotal: 4 } });
  const taskIds: string[] = [];
  let stateId = "";
  for (;;) {
    const next = await lead.post(`/api/v1/projects/${project.id}/tasks/next`, { exclude: taskIds });
    if (next.status === 204) break;
    taskIds.push(next.body.data.task.id);
    stateId ||= next.body.data.state?.id ?? next.body.data.task.stateId;
    await lead.post(`/api/v1/tasks/${next.body.data.task.id}/release`);
  }
  expect(taskIds).toHaveLength(4);
  expect(stateId).toMatch(/^[0-9a-f-]{36}$/);
  return { id: project.id as string, taskIds, stateId };
}
