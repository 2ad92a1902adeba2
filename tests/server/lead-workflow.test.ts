/**
 * A lead's whole job on CarTrack-v0, over HTTP against the real server (embedded PGlite): create the project,
 * invite two labellers, run behaviour cloning (round 0) and DAgger rounds while two scripted labellers
 * label (one of them answers "can't tell" now and then, which fills the review queue), read the rounds
 * dashboard's learning curve with its expert and BC reference lines, resolve review items (they join the next
 * dataset version), check labeller quality, roll the policy back, read the audit log, and export the dataset
 * as JSONL and as a LeRobot bundle — each re-imported into a new project with identical counts and checksum.
 * Settings are small so the run stays within a few minutes on two cores.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createExpert } from "../../envs/index";
import { ApiClient, tasksWaiting, waitFor } from "../helpers/api-client";
import { startServer, type ServerProcess } from "../helpers/server-process";
import { API, diffUrl, exportUrl, importUrl, withQuery } from "../../contracts/routes";

const ENV = "CarTrack-v0";
const SETTINGS = {
  statesPerRound: 24,
  labelsPerState: 2,
  rolloutEpisodes: 1,
  evalEpisodes: 2,
  epochs: 8,
  batchSize: 128,
  hiddenUnits: [32, 32],
  goldRate: 0.1,
  selection: "uniform",
  minAgreement: 0.5,
};
/** Projects that receive an import train once, quickly: only their dataset is under test. */
const IMPORT_SETTINGS = { epochs: 1, evalEpisodes: 1, hiddenUnits: [8] };

/** A labeller played by the scripted expert; `cantTellEvery` makes every n-th answer "can't tell". */
async function label(api: ApiClient, projectId: string, opts: { cantTellEvery?: number } = {}): Promise<number> {
  const expert = createExpert(ENV);
  let n = 0;
  for (;;) {
    const next = await api.post(`/api/v1/projects/${projectId}/tasks/next`);
    if (tasksWaiting(next)) {
      // Tasks held by the other labeller right now: not done yet.
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (next.status === 204) return n;
    if (next.status !== 200) throw new Error(`tasks/next → ${next.status} ${JSON.stringify(next.body)}`);
    const { task, state } = next.body.data as { task: { id: string }; state: { envState: number[] } };
    n++;
    const cantTell = Boolean(opts.cantTellEvery && n % opts.cantTellEvery === 0);
    const action = Array.from(expert.act(state.envState) as ArrayLike<number>);
    const res = await api.post(`/api/v1/tasks/${task.id}/labels`, { id: randomUUID(), ...(cantTell ? { cantTell: true } : { action }), durationMs: 900 });
    if (res.status !== 201 && res.status !== 409) throw new Error(`label → ${res.status} ${JSON.stringify(res.body)}`);
  }
}

describe("a lead runs CarTrack-v0 end to end over the API", () => {
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("creates, runs rounds, reviews, checks quality, rolls back, and round-trips the dataset", async () => {
    server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-lead-flow-")) });
    const base = server.url;
    const stamp = Date.now();
    const lead = await ApiClient.signUpAndLogin(base, "Lead", `lead-${stamp}@example.test`);
    const labelers = await Promise.all(["Careful", "Unsure"].map((n) => ApiClient.signUpAndLogin(base, n, `${n.toLowerCase()}-${stamp}@example.test`)));

    const project = await lead.ok("POST", "/api/v1/projects", { name: "CarTrack lead flow", envId: ENV, settings: SETTINGS });
    const p = project.id as string;
    for (const l of labelers) await lead.ok("POST", API.members(p), { email: (await l.ok("GET", "/api/v1/me")).email, role: "labeler" });

    let lastSeen = "";
    const published = (index: number) =>
      waitFor(`round ${index} published`, async () => {
        const r = await lead.ok("GET", API.round(p, index));
        lastSeen = JSON.stringify({ status: r.status, progress: r.progress, error: r.error });
        if (r.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
        return r.status === "published" ? r : null;
      }, 240_000, 300).catch((err: Error) => {
        throw new Error(`${err.message} (last seen: ${lastSeen})`);
      });
    const runRound = async (index: number) => {
      expect((await lead.ok("POST", API.rounds(p), {})).index).toBe(index);
      await waitFor(`round ${index} labeling`, async () => (await lead.ok("GET", API.round(p, index))).status === "labeling", 120_000);
      await Promise.all([label(labelers[0]!, p), label(labelers[1]!, p, { cantTellEvery: 4 })]);
      return published(index);
    };

    // Round 0: behaviour cloning on scripted demonstrations; rounds 1 and 2: DAgger.
    await lead.ok("POST", API.rounds(p), { scriptedDemonstrations: 2 });
    await published(0);
    await runRound(1);

    // The dashboard: one row per round, a learning curve, the expert (1.0) and BC (round 0) reference lines.
    const dash = await lead.ok("GET", API.dashboard(p));
    expect(dash.rounds.map((r: { index: number; status: string }) => [r.index, r.status])).toEqual([[0, "published"], [1, "published"]]);
    expect(dash.curve.points.map((pt: { round: number }) => pt.round)).toEqual([0, 1]);
    expect(dash.curve.expert).toBe(1);
    expect(dash.curve.bc).toBe(dash.curve.points[0].normalizedReturn);
    const r1 = dash.rounds[1];
    expect(r1).toMatchObject({ tasksDone: r1.tasksTotal, datasetVersion: 1, policyVersion: 2 });
    expect(r1.labels).toBeGreaterThan(0);
    expect(r1.trainMs).toBeGreaterThan(0);
    expect(r1.backend).toEqual(expect.any(String));
    expect(r1.agreement).toBeGreaterThan(0);
    expect(r1.inReview).toBeGreaterThan(0);
    expect(dash.lastLossCurve.points.length).toBeGreaterThan(0);

    // Review: the "can't tell" states wait with both labels; accept the expert's action for one, exclude another.
    const queue = await lead.ok("GET", withQuery(API.review(p), { limit: 50 }));
    expect(queue.total).toBe(r1.inReview);
    const [first, second] = queue.items;
    expect(first.labels).toHaveLength(2);
    expect(first.labels.some((l: { cantTell: boolean }) => l.cantTell)).toBe(true);
    expect(first.context.at(-1).t).toBe(first.state.t);
    const action = Array.from(createExpert(ENV).act(first.state.envState) as ArrayLike<number>);
    expect(await lead.ok("POST", API.reviewItem(p, first.id), { decision: "accept", action })).toMatchObject({ status: "accepted" });
    if (second) await lead.ok("POST", API.reviewItem(p, second.id), { decision: "exclude" });
    const again = await lead.call("POST", API.reviewItem(p, first.id), { decision: "exclude" });
    expect(again.status).toBe(409);

    // The next round's dataset version carries the decision.
    await runRound(2);
    const v2 = await lead.ok("GET", API.dataset(p, 2));
    expect(v2.addedBySource.review).toBe(1);
    expect(v2.histogram.kind).toBe("box");
    const diff = await lead.ok("GET", diffUrl(p, 0, 2));
    expect(diff.added).toBe(v2.sampleCount - diff.from.sampleCount);
    expect(diff.addedByVersion.map((x: { version: number }) => x.version)).toEqual([1, 2]);

    // Quality: the careful labeller (the expert itself) gets every gold state right; speeds are known.
    const quality = await lead.ok("GET", API.quality(p));
    expect(quality.labelers.map((l: { name: string }) => l.name)).toEqual(["Careful", "Unsure"]);
    const [careful, unsure] = quality.labelers;
    for (const l of quality.labelers) {
      expect(l.labels).toBeGreaterThan(0);
      expect(l.meanMsPerLabel).toBe(900);
      expect(l.labelsPerHour).toBeGreaterThan(0);
    }
    expect(careful.goldTotal).toBeGreaterThan(0);
    expect(careful.goldAccuracy).toBe(1);
    expect(careful.agreement).toBe(1);
    expect(unsure.cantTell).toBeGreaterThan(0);
    expect(unsure.goldCorrect).toBeLessThanOrEqual(unsure.goldTotal);

    // Policies: download a version, roll back to v1; the latest policy follows; audited.
    const v1 = await lead.call("GET", API.policy(p, 1), undefined, { accept: "application/octet-stream" });
    expect(v1.status).toBe(200);
    expect(v1.headers.get("x-policy-version")).toBe("1");
    expect((await lead.ok("POST", API.policyPublish(p, 1))).previousVersion).toBe(3);
    expect((await lead.ok("GET", API.latestPolicy(p))).version).toBe(1);
    const audit = await lead.ok("GET", withQuery(API.audit(p), { action: "review." }));
    expect(audit.entries.map((e: { action: string }) => e.action).sort()).toEqual(second ? ["review.accepted", "review.excluded"] : ["review.accepted"]);
    const rollback = await lead.ok("GET", withQuery(API.audit(p), { action: "policy.rolled_back" }));
    expect(rollback.entries).toHaveLength(1);

    // Export, re-import into fresh projects: identical counts and checksums, in both formats.
    const versions = await lead.ok("GET", API.datasets(p));
    const last = versions.at(-1);
    expect(last.version).toBe(2);
    const jsonl = await lead.call("GET", exportUrl(p, 2, "jsonl"));
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("x-checksum")).toBe(last.checksum);
    // The LeRobot .tar, streamed: read as bytes (the JSON client would decode it as text).
    const tarRes = await fetch(`${lead.base}${exportUrl(p, "latest", "lerobot")}`, { headers: { authorization: `Bearer ${lead.token}` } });
    expect(tarRes.status).toBe(200);
    expect(tarRes.headers.get("content-type")).toBe("application/x-tar");
    expect(tarRes.headers.get("x-dataset-version")).toBe("2");
    expect(tarRes.headers.get("x-checksum")).toBe(last.checksum);
    const tarBytes = new Uint8Array(await tarRes.arrayBuffer());
    expect(new TextDecoder().decode(tarBytes.subarray(0, 14))).toBe("meta/info.json");
    const unknown = await lead.call("GET", `${API.datasetExport(p, 2)}?format=parquet`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('Unknown dataset format "parquet"; use jsonl or lerobot');
    for (const [format, body] of [["jsonl", String(jsonl.body)], ["lerobot", tarBytes]] as const) {
      const target = await lead.ok("POST", "/api/v1/projects", { name: `Imported ${format}`, envId: ENV, settings: IMPORT_SETTINGS });
      const res = await lead.call("POST", importUrl(target.id, format), body, { "content-type": format === "jsonl" ? "application/x-ndjson" : "application/x-tar" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const [copy] = await lead.ok("GET", API.datasets(target.id));
      expect({ sampleCount: copy.sampleCount, checksum: copy.checksum, bySource: copy.bySource }).toEqual({ sampleCount: last.sampleCount, checksum: last.checksum, bySource: last.bySource });
    }

    // A broken file names its first bad line and imports nothing.
    const target = await lead.ok("POST", "/api/v1/projects", { name: "Broken import", envId: ENV, settings: IMPORT_SETTINGS });
    const lines = String(jsonl.body).trim().split("\n");
    lines[6] = JSON.stringify({ ...JSON.parse(lines[6]!), action: [3] });
    const bad = await lead.call("POST", importUrl(target.id, "jsonl"), lines.join("\n"), { "content-type": "application/x-ndjson" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^line 7: action element 0 \(3\) is outside \[-1, 1\]/);
    expect(await lead.ok("GET", API.datasets(target.id))).toEqual([]);
  }, 600_000);
});
