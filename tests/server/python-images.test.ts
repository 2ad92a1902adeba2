/**
 * The Python client on a camera robot, against the real server on PGlite: a Python process (Debian's python3 +
 * numpy) creates a project with a Gymnasium `Dict` observation space (a 16×16 RGB camera and a state), uploads
 * round-0 demonstrations whose images go up as PNG frames, the server trains a ConvNet policy on them, the client
 * runs that policy in numpy on the camera images and uploads round 1's rollouts — and the labelling tasks of round
 * 1 show, for every state, the very image the policy acted on (same PNG bytes, same pixels).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../helpers/api-client";
import { runPython } from "../helpers/python-process";
import { startServer, type ServerProcess } from "../helpers/server-process";

let server: ServerProcess;
let lead: ApiClient;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-pyimg-"));

beforeAll(async () => {
  // No DATABASE_URL: the embedded PGlite engine.
  server = await startServer({ DATA_DIR: path.join(tmp, "data") });
  lead = await ApiClient.signUpAndLogin(server.url, "Camera lead", `camera-lead-${Date.now()}@example.test`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Checked {
  frameId: string;
  t: number;
  sameBytes: boolean;
  samePixels: boolean;
}

describe("Python client: image observations", () => {
  it("round 0 trains a ConvNet on uploaded camera demonstrations; round 1's rollouts, collected by that policy in numpy, keep their frames", async () => {
    const run = runPython("image_rollouts.py", [], { CORRECTIVE_URL: server.url, CORRECTIVE_TOKEN: lead.token ?? "" });
    const project = await run.next((e) => e.event === "project");
    expect(project.observationSpace).toMatchObject({ type: "dict", spaces: { front: { dtype: "uint8", shape: [16, 16, 3] }, state: { shape: [1] } } });

    const demos = await run.next((e) => e.event === "demonstrations");
    expect(demos.rollouts).toBe(4);
    expect(demos.frames).toBe(demos.steps); // one camera: one frame per step

    const policy = await run.next((e) => e.event === "policy", 300_000);
    expect(policy.vision).toMatchObject({ cameras: [{ name: "front", shape: [16, 16, 3] }] });

    const rollouts = await run.next((e) => e.event === "rollouts");
    expect(rollouts.rollouts).toBe(2);
    expect(rollouts.frames).toBe(rollouts.steps);

    const tasks = await run.next((e) => e.event === "tasks");
    await run.next((e) => e.event === "done");
    expect(await run.exited, run.output()).toBe(0);
    const checked = tasks.checked as Checked[];
    // Every state of round 1 became a task (fewer states than statesPerRound), each showing its own camera frame.
    expect(checked).toHaveLength(tasks.steps as number);
    expect(new Set(checked.map((c) => c.frameId)).size).toBe(checked.length);
    expect(checked.every((c) => (tasks.frames as string[]).includes(c.frameId))).toBe(true);
    expect(checked.every((c) => c.sameBytes && c.samePixels)).toBe(true);

    // The server's own view: round 1 holds both rollouts and every state.
    const round = await lead.ok("GET", `/api/v1/projects/${String(project.id)}/rounds/1`);
    expect(round).toMatchObject({ status: "labeling", progress: { rollouts: 2, states: tasks.steps } });
  }, 420_000);
});
