/**
 * Complete DAgger rounds through the HTTP API of the real server, on embedded PGlite and on PostgreSQL:
 * a lead creates a project and runs round 0 (behaviour cloning on scripted demonstrations), then DAgger
 * rounds in which simulated labellers (the scripted expert; one noisy, one resubmitting every label) label
 * the states the published policy visited. The published policies' evaluations are checked round by round.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { ApiClient, waitFor } from "../helpers/api-client";
import { labelUntilDone } from "../helpers/simulated-labeler";
import { startServer, type ServerProcess } from "../helpers/server-process";

const ENGINES = [
  { name: "pglite", enabled: true },
  { name: "postgres", enabled: POSTGRES_OK },
] as const;

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

async function runScenario(base: string, tag: string, s: Scenario) {
  const stamp = `${tag}-${Date.now()}`;
  const lead = await ApiClient.signUpAndLogin(base, "Lead", `lead-${stamp}@example.test`);
  const labelers = await Promise.all(
    ["careful", "noisy", "resubmits"].map((n) => ApiClient.signUpAndLogin(base, n, `${n}-${stamp}@example.test`)),
  );
  const project = await lead.ok("POST", "/api/v1/projects", { name: `${s.envId} ${tag}`, envId: s.envId, settings: s.settings });
  for (const [i, l] of labelers.entries()) {
    const me = await l.ok("GET", "/api/v1/me");
    await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: me.email, role: "labeler" });
    expect(me.name).toBe(["careful", "noisy", "resubmits"][i]);
  }

  const published = async (index: number) =>
    waitFor(`round ${index} published`, async () => {
      const r = await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/${index}`);
      if (r.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
      return r.status === "published" ? r : null;
    }, 240_000, 300);

  const r0 = await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: s.demos });
  expect(r0).toMatchObject({ index: 0, status: "collecting" });
  const rounds = [await published(0)];
  const labelReports = [];
  for (let i = 1; i <= s.rounds; i++) {
    const started = await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
    expect(started.index).toBe(i);
    await waitFor(`round ${i} labeling`, async () => (await lead.ok("GET", `/api/v1/projects/${project.id}/rounds/${i}`)).status === "labeling", 120_000);
    const reports = await Promise.all([
      labelUntilDone(labelers[0]!, project.id, s.envId, { seed: 10 * i }),
      labelUntilDone(labelers[1]!, project.id, s.envId, { seed: 10 * i + 1, noise: 0.3 }),
      labelUntilDone(labelers[2]!, project.id, s.envId, { seed: 10 * i + 2, resubmit: true }),
    ]);
    labelReports.push(reports);
    rounds.push(await published(i));
  }
  return { lead, project, rounds, labelReports };
}

describe.each(ENGINES)("DAgger rounds through the HTTP API [$name]", ({ name, enabled }) => {
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it.skipIf(!enabled)("runs BC then DAgger rounds on CartPole-v1 with simulated labellers", async () => {
    if (name === "postgres") {
      const scratch = await createScratchPostgres();
      drop = scratch.drop;
      server = await startServer({ DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "integration-secret-0123456789" });
    } else {
      server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-rounds-")) });
    }
    const { lead, project, rounds, labelReports } = await runScenario(server.url, name, CARTPOLE);

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
