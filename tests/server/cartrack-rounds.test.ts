/**
 * DAgger on CarTrack-v0 through the HTTP API of the real server, on embedded PGlite and on PostgreSQL: round 0 clones one
 * scripted demonstration episode (one track layout of eight, so the clone drifts off unseen roads), then
 * DAgger rounds roll out the published policy and two simulated labellers (the scripted pure-pursuit
 * expert) label the states it visited. The published policy's evaluation on held-out seeds must end
 * clearly above round 0's. CartPole-v1 is covered by dagger-rounds.test.ts.
 *
 * Sized for a 2-core CI machine: 150 labels a round, small rollouts and evaluations, 40 epochs at most.
 */
import { describe, expect, it } from "vitest";
import { ENGINES, runDaggerOverApi, serverPerEngine } from "../helpers/dagger-over-api";
import { labelUntilDone } from "../helpers/simulated-labeler";

const ENV_ID = "CarTrack-v0";
const ROUNDS = 2;
const SETTINGS = {
  statesPerRound: 150,
  labelsPerState: 1,
  selection: "uniform",
  rolloutEpisodes: 4,
  evalEpisodes: 8,
  epochs: 40,
  batchSize: 128,
  hiddenUnits: [64, 64],
  learningRate: 0.003,
};

describe.each(ENGINES)("DAgger rounds on CarTrack-v0 through the HTTP API [$name]", ({ name, enabled }) => {
  const server = serverPerEngine(name, "corrective-cartrack-");

  it.skipIf(!enabled)("improves the published policy's evaluation over behaviour cloning, round after round", async () => {
    const base = (await server.start()).url;
    const started = Date.now();
    const { lead, project, rounds } = await runDaggerOverApi({
      base,
      tag: name,
      envId: ENV_ID,
      projectName: "CarTrack DAgger",
      settings: SETTINGS,
      labellers: ["Driver 0", "Driver 1"],
      demos: 1,
      rounds: ROUNDS,
      publishWait: [120_000, 300],
      label: async (labellers, i, projectId) => {
        const reports = await Promise.all(labellers.map((l, k) => labelUntilDone(l, projectId, ENV_ID, { seed: 10 * i + k })));
        expect(reports.reduce((a, r) => a + r.labels, 0)).toBe(SETTINGS.statesPerRound);
      },
    });

    const scores = rounds.map((r) => r.metrics.normalizedReturn as number);
    const laps = rounds.map((r) => r.metrics.successRate as number | null);
    console.log(
      `[${name}] CarTrack-v0 normalised return by round: ${scores.map((x) => x.toFixed(3)).join(" → ")}; ` +
        `success ${laps.map((x) => (x === null ? "-" : x.toFixed(2))).join(" → ")}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const r of rounds) expect(r.metrics).toMatchObject({ episodes: SETTINGS.evalEpisodes });
    for (const r of rounds.slice(1)) expect(r.progress).toMatchObject({ tasksTotal: SETTINGS.statesPerRound, tasksDone: SETTINGS.statesPerRound, labels: SETTINGS.statesPerRound });
    // Behaviour cloning on one demonstration drifts off; DAgger's labels on the clone's own states fix it.
    expect(scores.at(-1)!).toBeGreaterThan(scores[0]! + 0.25);
    expect(scores.at(-1)!).toBeGreaterThan(0.8);

    // The dataset grew by exactly the labelled states each round.
    const policies = await lead.ok("GET", `/api/v1/projects/${project.id}/policies`);
    expect(policies.map((p: { version: number }) => p.version)).toEqual([3, 2, 1]);
    const sizes: number[] = [];
    for (let v = 0; v <= ROUNDS; v++) {
      const exp = await lead.call("GET", `/api/v1/projects/${project.id}/datasets/${v}/export?format=jsonl`);
      expect(exp.status).toBe(200);
      sizes.push(Number(exp.headers.get("x-sample-count")));
    }
    for (let v = 1; v <= ROUNDS; v++) expect(sizes[v]! - sizes[v - 1]!).toBe(SETTINGS.statesPerRound);
  }, 300_000);
});
