/**
 * The Python client (clients/python) against the real server, as a robotics team would run it: a Python process
 * (Debian's python3 + numpy) drives a pure-Python CartPole port — not Corrective's built-in env — through round 0
 * and three DAgger rounds while simulated labellers label over the API; the client evaluates every candidate
 * policy in numpy and posts the episodes (publish if better). Then the same client is killed mid-upload and
 * restarted: the round holds each rollout exactly once, and the intervention steps it sent land in the dataset
 * as `intervention` samples exactly once, at the rate the dashboard shows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, waitFor } from "../helpers/api-client";
import { runPython, type PythonEvent } from "../helpers/python-process";
import { labelUntilDone } from "../helpers/simulated-labeler";
import { startServer, type ServerProcess } from "../helpers/server-process";

let server: ServerProcess;
let lead: ApiClient;
let labeler: ApiClient;
let labelerEmail = "";
let projectId = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-py-"));

beforeAll(async () => {
  server = await startServer({ DATA_DIR: path.join(tmp, "data") });
  const stamp = Date.now();
  lead = await ApiClient.signUpAndLogin(server.url, "Robot lead", `lead-${stamp}@example.test`);
  labelerEmail = `labeler-${stamp}@example.test`;
  labeler = await ApiClient.signUpAndLogin(server.url, "Labeller", labelerEmail);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const env = () => ({ CORRECTIVE_URL: server.url, CORRECTIVE_TOKEN: lead.token ?? "", LABELER_EMAIL: labelerEmail });

describe("Python client: DAgger rounds on a Python simulator", () => {
  it("runs round 0 and 3 DAgger rounds; the published policy, run in numpy, improves and ends ≥ 0.95", async () => {
    const run = runPython("dagger_rounds.py", ["rounds"], { ...env(), ROUNDS: "3" });
    projectId = String((await run.next((e) => e.event === "project")).id);
    for (let i = 1; i <= 3; i++) {
      await run.next((e) => e.event === "labeling" && e.index === i);
      const report = await labelUntilDone(labeler, projectId, "CartPole-v1");
      expect(report.labels).toBeGreaterThan(0);
    }
    const done = await run.next((e) => e.event === "done");
    expect(await run.exited, run.output()).toBe(0);

    const evaluated = run.events.filter((e) => e.event === "evaluated") as (PythonEvent & { live: number; candidate: number; published: boolean; liveVersion: number })[];
    expect(evaluated.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    const live = evaluated.map((e) => e.live);
    // Publish-if-better: the live policy never gets worse, it got better than behaviour cloning, and it ends near the expert.
    for (let i = 1; i < live.length; i++) expect(live[i]).toBeGreaterThanOrEqual(live[i - 1] as number);
    expect(live.at(-1)).toBeGreaterThan(live[0] as number);
    expect(live.at(-1)).toBeGreaterThanOrEqual(0.95);
    expect(done.scores).toEqual(live);
    for (const e of evaluated) if (!e.published) expect(e.candidate).toBeLessThanOrEqual(live[Math.max(0, (e.index as number) - 1)] as number);

    // The server saw the same: client metrics on every round, the learning curve, datasets growing with labels.
    const rounds = await lead.ok("GET", `/api/v1/projects/${projectId}/rounds`);
    expect(rounds.map((r: { status: string }) => r.status)).toEqual(["published", "published", "published", "published"]);
    for (const [i, r] of rounds.entries()) expect(r.metrics.normalizedReturn).toBeCloseTo(evaluated[i]!.candidate, 6);
    const dashboard = await lead.ok("GET", `/api/v1/projects/${projectId}/dashboard`);
    expect(dashboard.curve.points.map((p: { round: number }) => p.round)).toEqual([0, 1, 2, 3]);
    const v3 = await lead.ok("GET", `/api/v1/projects/${projectId}/datasets/3`);
    expect(v3.bySource.expert).toBeGreaterThan(0);
    expect(v3.bySource.label).toBeGreaterThan(0);
  }, 600_000);

  it("a client killed mid-upload and restarted stores each rollout once; its interventions become samples once, at the dashboard's rate", async () => {
    if (!projectId) {
      // Run alone (-t): a project with round 0 published, by the same script.
      const setup = runPython("dagger_rounds.py", ["rounds"], { ...env(), ROUNDS: "0" });
      projectId = String((await setup.next((e) => e.event === "project")).id);
      expect(await setup.exited, setup.output()).toBe(0);
    }
    const EPISODES = 12;
    const first = runPython("dagger_rounds.py", ["upload", projectId, String(EPISODES)], { ...env(), UPLOAD_PAUSE: "0.5" });
    const round = await first.next((e) => e.event === "round");
    // Kill it between two rollout requests (frames are all up by then).
    const partial = await first.next((e) => e.event === "uploaded" && typeof e.rollouts === "number" && (e.rollouts as number) > 0);
    first.proc.kill("SIGKILL");
    await first.exited;
    const storedBefore = (await lead.ok("GET", `/api/v1/projects/${projectId}/rounds/${round.index}`)).progress.rollouts;
    expect(storedBefore).toBeGreaterThanOrEqual(partial.rollouts as number);
    expect(storedBefore).toBeLessThan(EPISODES);

    const second = runPython("dagger_rounds.py", ["upload", projectId, String(EPISODES)], env());
    expect((await second.next((e) => e.event === "round")).index).toBe(round.index);
    const done = await second.next((e) => e.event === "done");
    expect(await second.exited, second.output()).toBe(0);
    expect(done.rollouts).toBe(EPISODES);
    expect(done.duplicates).toBe(storedBefore);
    expect(new Set(done.ids as string[]).size).toBe(EPISODES);

    const r = await lead.ok("GET", `/api/v1/projects/${projectId}/rounds/${round.index}`);
    expect(r.progress.rollouts).toBe(EPISODES);
    expect(r.progress.states).toBe(done.steps);
    expect(r.progress.interventions).toBe(done.interventions);
    expect(done.interventions).toBeGreaterThan(0);
    expect(r.progress.interventionRate).toBeCloseTo((done.interventions as number) / (done.steps as number), 10);

    // Labelling: no task for an intervention step; they join the dataset once, as `intervention` samples.
    const closed = await lead.ok("POST", `/api/v1/projects/${projectId}/rounds/${round.index}/close`);
    expect(closed.status).toBe("labeling");
    await labelUntilDone(labeler, projectId, "CartPole-v1");
    await waitFor("round evaluating", async () => {
      const s = await lead.ok("GET", `/api/v1/projects/${projectId}/rounds/${round.index}`);
      if (s.status === "failed") throw new Error(s.error);
      return s.status === "evaluating";
    }, 240_000);
    const before = await lead.ok("GET", `/api/v1/projects/${projectId}/datasets/${(round.index as number) - 1}`);
    const after = await lead.ok("GET", `/api/v1/projects/${projectId}/datasets/${round.index}`);
    expect(after.addedBySource.intervention).toBe(done.interventions);
    expect(after.bySource.intervention ?? 0).toBe((before.bySource.intervention ?? 0) + (done.interventions as number));
    const dashboard = await lead.ok("GET", `/api/v1/projects/${projectId}/dashboard`);
    const row = dashboard.rounds.find((x: { index: number }) => x.index === round.index);
    expect(row.interventions).toBe(done.interventions);
    expect(row.interventionRate).toBeCloseTo(r.progress.interventionRate, 10);
    expect(dashboard.curve.interventionRates).toContainEqual({ round: round.index, rate: row.interventionRate });
  }, 600_000);
});
