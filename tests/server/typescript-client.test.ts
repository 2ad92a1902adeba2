/**
 * The TypeScript client (clients/typescript) against the real server: a TypeScript simulator that is not a
 * built-in (tests/helpers/point-mass-env.ts) goes through round 0 (expert demonstrations) and three DAgger rounds
 * while a simulated labeller labels over the API. Every candidate policy runs in the client (the trainer's
 * browser-safe forward pass) on seeded evaluation episodes that are posted back (publish if better); the live
 * policy improves and ends ≥ 0.95 of the expert's return. `waitFor` rides on socket.io with the API token.
 * Also the typed errors: a wrong round state, a wrong space, a frame that is not an image, bad credentials.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, connect, FrameError, RoundStateError, SpaceError, UnprocessableError, type CorrectiveClient, type Project } from "../../clients/typescript/src/index";
import { ApiClient } from "../helpers/api-client";
import { PointMass, pointMassExpert, POINT_MASS_SPACES } from "../helpers/point-mass-env";
import { labelUntilDone } from "../helpers/simulated-labeler";
import { startServer, type ServerProcess } from "../helpers/server-process";

let server: ServerProcess;
let lead: ApiClient;
let labeler: ApiClient;
let labelerEmail = "";
let client: CorrectiveClient;
let project: Project;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-ts-"));
const EVAL = { episodes: 6, seed: 100_000 };

beforeAll(async () => {
  server = await startServer({ DATA_DIR: path.join(tmp, "data") });
  const stamp = Date.now();
  lead = await ApiClient.signUpAndLogin(server.url, "Robot lead", `ts-lead-${stamp}@example.test`);
  labelerEmail = `ts-labeler-${stamp}@example.test`;
  labeler = await ApiClient.signUpAndLogin(server.url, "Labeller", labelerEmail);
  client = await connect({ url: server.url, email: `ts-lead-${stamp}@example.test`, password: "long enough password" });
}, 180_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Labels every task of the labelling round with `claimTasks` / `submitLabels`, resending each batch once (a retry: stored once). */
async function labelInBatches(p: Project): Promise<{ labels: number }> {
  let labels = 0;
  for (let idle = 0; idle < 600; ) {
    const { tasks, waiting } = await p.claimTasks(50);
    if (tasks.length === 0) {
      if (waiting === 0) break;
      idle++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const batch = tasks.map((t) => ({ taskId: t.task.id, id: crypto.randomUUID(), action: pointMassExpert(t.state.observation), durationMs: 400 }));
    const results = await p.submitLabels(batch);
    expect(results.map((r) => r.status)).toEqual(batch.map(() => 201));
    expect((await p.submitLabels(batch)).map((r) => [r.status, r.duplicate])).toEqual(batch.map(() => [200, true]));
    labels += results.length;
  }
  return { labels };
}

/** The expert's mean return on the evaluation seeds: the top of the normalised scale. */
function expertReturn(): number {
  const env = new PointMass();
  let total = 0;
  for (let i = 0; i < EVAL.episodes; i++) {
    let [obs] = env.reset({ seed: EVAL.seed + i });
    for (let t = 0; t < 100; t++) {
      const r = env.step(pointMassExpert(obs));
      obs = r[0];
      total += r[1];
    }
  }
  return total / EVAL.episodes;
}

describe("TypeScript client: DAgger rounds on a TypeScript simulator", () => {
  it("runs round 0 and 3 DAgger rounds; the live policy improves and ends ≥ 0.95 of the expert", async () => {
    const env = new PointMass();
    const returnRange: [number, number] = [0, expertReturn()];
    project = await client.createProject({
      name: "Point mass",
      ...POINT_MASS_SPACES,
      settings: { epochs: 40, hiddenUnits: [32, 32], statesPerRound: 400, labelsPerState: 1, clientEvaluation: true },
    });
    expect(project.actionSpace).toEqual(POINT_MASS_SPACES.actionSpace);
    await client.addMember(project.id, labelerEmail, "labeler");

    let round = await project.startRound();
    const demos = await project.collect(env, null, { episodes: 1, seed: 0, expert: pointMassExpert, maxSteps: 30 });
    expect(await round.uploadRollouts(demos)).toMatchObject({ rollouts: 1, duplicates: 0, steps: 30 });
    // A retried upload (same ids) stores nothing new.
    expect(await round.uploadRollouts(demos)).toMatchObject({ rollouts: 1, duplicates: 1 });
    await round.close();

    const live: number[] = [];
    for (let index = 0; index <= 3; index++) {
      if (index > 0) {
        const policy = await project.latestPolicy();
        round = await project.startRound();
        expect(round.index).toBe(index);
        const episodes = await project.collect(env, policy, { episodes: 5, seed: 1000 * index });
        const up = await round.uploadRollouts(episodes);
        expect(up).toMatchObject({ rollouts: 5, duplicates: 0, frames: up.steps });
        await round.close();
        expect(round.status).toBe("labeling");
        // Round 1 is labelled by the lead through the client's batched calls; the others by the simulated labeller.
        const report = index === 1 ? await labelInBatches(project) : await labelUntilDone(labeler, project.id, { act: pointMassExpert, actionSpace: POINT_MASS_SPACES.actionSpace });
        expect(report.labels).toBeGreaterThan(0);
      }
      await round.waitFor("evaluating", { timeoutMs: 300_000 });
      const candidate = await round.resultPolicy();
      const result = await project.evaluate(env, candidate, { ...EVAL, returnRange });
      expect(result.roundIndex).toBe(index);
      await round.waitFor("published", { timeoutMs: 60_000 });
      const current = await project.latestPolicy();
      expect(current.version).toBe(result.currentVersion);
      const currentMetrics = (await project.policies()).find((p) => p.version === current.version)?.metrics;
      live.push(currentMetrics?.normalizedReturn as number);
      console.log(`round ${index}: candidate ${result.metrics.normalizedReturn?.toFixed(3)} (published: ${result.published}), live v${current.version}`);
    }
    for (let i = 1; i < live.length; i++) expect(live[i]).toBeGreaterThanOrEqual(live[i - 1] as number);
    expect(live.at(-1)).toBeGreaterThan(live[0] as number);
    expect(live.at(-1)).toBeGreaterThanOrEqual(0.95);
    const dashboard = await lead.ok("GET", `/api/v1/projects/${project.id}/dashboard`);
    expect(dashboard.curve.points.map((p: { round: number }) => p.round)).toEqual([0, 1, 2, 3]);
  }, 600_000);

  it("answers with typed errors: wrong round state, wrong space, a frame that is not an image, bad credentials", async () => {
    const env = new PointMass();
    const published = (await project.currentRound())!;
    await expect(published.uploadRollouts(await project.collect(env, await project.latestPolicy(), { episodes: 1, seed: 5, maxSteps: 3 }))).rejects.toBeInstanceOf(RoundStateError);
    const round = await project.startRound();
    const [ep] = await project.collect(env, await project.latestPolicy(), { episodes: 1, seed: 9, maxSteps: 3 });
    ep!.steps[1]!.observation = [1, 2, 3];
    await expect(round.uploadRollouts([ep!])).rejects.toBeInstanceOf(SpaceError);
    ep!.steps[1]!.observation = [0, 0];
    ep!.steps[2]!.frame = new TextEncoder().encode("GIF89a not an image");
    await expect(round.uploadRollouts([ep!])).rejects.toBeInstanceOf(FrameError);
    // The server checks the same on its own: a frame batch with a GIF in it is refused, naming the frame.
    const bad = new Uint8Array(20 + 6);
    bad.set(crypto.getRandomValues(new Uint8Array(16)), 0);
    new DataView(bad.buffer).setUint32(16, 6);
    bad.set(new TextEncoder().encode("GIF89a"), 20);
    const err = await client.http.request("POST", `/api/v1/projects/${project.id}/frames`, { body: bad, contentType: "application/vnd.corrective.frames" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableError);
    expect((err as UnprocessableError).fieldErrors["frames.0"]?.[0]).toMatch(/frame 0 .* not a PNG or JPEG/);
    // A policy action outside the space, caught by the server.
    const wrong = await client.http.json("POST", `/api/v1/projects/${project.id}/rollouts`, { rollouts: [{ steps: [{ observation: [0, 0], intervention: { action: 7 } }] }] }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(UnprocessableError);
    expect(Object.keys((wrong as UnprocessableError).fieldErrors)).toEqual(["rollouts.0.steps.0.intervention.action"]);
    await expect(connect({ url: server.url, email: "nobody@example.test", password: "wrong password!" })).rejects.toBeInstanceOf(AuthenticationError);
  }, 120_000);
});
