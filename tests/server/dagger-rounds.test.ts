/**
 * Complete DAgger rounds through the HTTP API of the real server, on embedded PGlite and on PostgreSQL:
 * a lead creates a project and runs round 0 (behaviour cloning on scripted demonstrations), then DAgger
 * rounds in which simulated labellers (the scripted expert; one noisy, one resubmitting every label) label
 * the states the published policy visited. The published policies' evaluations are checked round by round.
 */
import { describe, expect, it } from "vitest";
import { ENGINES, runDaggerOverApi, serverPerEngine } from "../helpers/dagger-over-api";
import { labelUntilDone } from "../helpers/simulated-labeler";

interface Scenario {
  envId: string;
  settings: Record<string, unknown>;
  demos: number;
  rounds: number;
}

const CARTPOLE: Scenario = {
  envId: "CartPole-v1",
  settings: { statesPerRound: 80, labelsPerState: 2, rolloutEpisodes: 4, evalEpisodes: 6, epochs: 25, goldRate: 0.1, selection: "uniform" },
  demos: 1,
  rounds: 2,
};

function runScenario(base: string, tag: string, s: Scenario) {
  return runDaggerOverApi({
    base,
    tag,
    envId: s.envId,
    projectName: `${s.envId} ${tag}`,
    settings: s.settings,
    labellers: ["careful", "noisy", "resubmits"],
    demos: s.demos,
    rounds: s.rounds,
    publishWait: [240_000, 300],
    labelingWait: [120_000],
    label: (labelers, i, projectId) =>
      Promise.all([
        labelUntilDone(labelers[0]!, projectId, s.envId, { seed: 10 * i }),
        labelUntilDone(labelers[1]!, projectId, s.envId, { seed: 10 * i + 1, noise: 0.3 }),
        labelUntilDone(labelers[2]!, projectId, s.envId, { seed: 10 * i + 2, resubmit: true }),
      ]),
  });
}

describe.each(ENGINES)("DAgger rounds through the HTTP API [$name]", ({ name, enabled }) => {
  const server = serverPerEngine(name, "corrective-rounds-");

  it.skipIf(!enabled)("runs BC then DAgger rounds on CartPole-v1 with simulated labellers", async () => {
    const { lead, project, rounds, reports: labelReports } = await runScenario((await server.start()).url, name, CARTPOLE);

    const scores = rounds.map((r) => r.metrics.normalizedReturn as number);
    console.log(`[${name}] CartPole-v1 normalised return by round: ${scores.map((x) => x.toFixed(3)).join(" → ")}`);
    for (const r of rounds) {
      expect(r.metrics).toMatchObject({ episodes: 6 });
      expect(r.resultPolicyId).toEqual(expect.any(String));
    }
    // DAgger never makes the policy worse than BC on the same env, and ends close to the expert.
    expect(scores.at(-1)!).toBeGreaterThanOrEqual(scores[0]! - 0.05);
    expect(scores.at(-1)!).toBeGreaterThan(0.8);

    // Every label was counted once: resubmissions were answered with the stored label.
    for (const [i, reports] of labelReports.entries()) {
      const round = rounds[i + 1];
      const labels = reports.reduce((a, r) => a + r.labels, 0);
      expect(reports[2]!.duplicates).toBe(reports[2]!.labels);
      expect(round.progress.labels).toBe(labels);
      expect(round.progress.tasksDone).toBe(round.progress.tasksTotal);
      expect(round.progress.tasksTotal).toBe(80);
      // No labeller got the same task twice.
      for (const r of reports) expect(new Set(r.taskIds).size).toBe(r.taskIds.length);
    }

    // Dataset versions grow monotonically and export as JSONL with the advertised count.
    const exp = await lead.call("GET", `/api/v1/projects/${project.id}/datasets/${rounds.length - 1}/export?format=jsonl`);
    expect(exp.status).toBe(200);
    const lines = String(exp.body).trim().split("\n");
    expect(lines.length).toBe(Number(exp.headers.get("x-sample-count")));
    expect(JSON.parse(lines[0]!)).toMatchObject({ observation: expect.any(Array), action: expect.any(Number), episode_index: 0, frame_index: 0 });

    const policies = await lead.ok("GET", `/api/v1/projects/${project.id}/policies`);
    expect(policies.map((p: { version: number }) => p.version)).toEqual([3, 2, 1]);
    const latest = await lead.ok("GET", `/api/v1/projects/${project.id}/policies/latest`);
    expect(latest.version).toBe(3);
    expect(Buffer.from(latest.blobBase64, "base64").subarray(0, 4).toString()).toBe("CRPL");
  }, 600_000);
});
