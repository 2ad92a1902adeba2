/**
 * "Fine-tune with RL after round N" on both engines, with the real job runner and trainer worker thread:
 *   - the option is validated where it is set (create and PATCH): malformed → 400 (zod), a project that cannot
 *     use it (external env, a head without an exact likelihood, an ensemble) → 422 on the field;
 *   - a CartPole-v1 round 0 (one scripted demonstration, tiny REINFORCE budget) goes evaluating → finetuning →
 *     published; the imitation policy is published first, the fine-tuned version is stored with its parent,
 *     both metrics on the same seeded episodes, its curve, an audit entry and the round's comparison;
 *   - a fine-tune that cannot run fails the round from `finetuning` with a readable error after its retries,
 *     and the lead's retry finishes it once the cause is repaired.
 */
import { and, asc, eq } from "drizzle-orm";
import { ZodError } from "zod";
import { expect, it } from "vitest";
import { auditLog, jobs, policies, projects, rounds } from "../../db/schema";
import { AppError } from "../../server/errors";
import { createProject } from "../../server/projects/create-project";
import { updateProject } from "../../server/projects/update-project";
import { listPolicies } from "../../server/policies/list-policies";
import { publishPolicyVersion } from "../../server/policies/publish-policy-version";
import { retryRound } from "../../server/rounds/retry-round";
import { startRound } from "../../server/rounds/start-round";
import { describeEngines, type EngineHandle } from "../helpers/engines";
import { useJobRunners } from "../helpers/job-runners";
import { makeUser } from "../helpers/fixtures";

const TINY = { epochs: 5, batchSize: 64, hiddenUnits: [16], evalEpisodes: 2 };
const RL = { afterRound: 0, iterations: 2, episodesPerIteration: 2, baseline: "mean", publish: "never" } as const;

const unprocessableOn = (field: string) => (err: unknown) =>
  err instanceof AppError && err.code === "UNPROCESSABLE" && Boolean(err.details?.fieldErrors?.[field]?.[0]);

describeEngines("RL fine-tuning after round N", (h: EngineHandle) => {
  const runner = useJobRunners(h);

  it("validates the option: 400 when malformed, 422 where the project cannot be fine-tuned, stored with the settings otherwise", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Lead");
    const create = (extra: Record<string, unknown>, settings: Record<string, unknown>) => createProject(db, lead, { name: "rl", ...extra, settings: { ...settings } });
    await expect(create({ envId: "CartPole-v1" }, { rlFineTune: { afterRound: -1 } })).rejects.toBeInstanceOf(ZodError);
    await expect(create({ envId: "CartPole-v1" }, { rlFineTune: { episodes: 3 } })).rejects.toBeInstanceOf(ZodError);
    const external = { external: { observationSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] }, actionSpace: { type: "discrete", n: 2 } } };
    const ext = await create(external, { rlFineTune: {} }).catch((e: unknown) => e);
    expect(unprocessableOn("settings.rlFineTune")(ext)).toBe(true);
    expect((ext as AppError).message).toMatch(/built-in environment with rewards/);
    await expect(create({ envId: "Pendulum-v1" }, { head: "diffusion", rlFineTune: {} })).rejects.toSatisfy(unprocessableOn("settings.rlFineTune"));
    await expect(create({ envId: "CartPole-v1" }, { selection: "uncertainty", rlFineTune: {} })).rejects.toThrow(/ensemble of 5/);

    const ok = await create({ envId: "CartPole-v1" }, { rlFineTune: { afterRound: 2 } });
    const [row] = await db.select().from(rounds).where(eq(rounds.projectId, ok.id));
    expect(row).toBeUndefined();
    // PATCH: on, changed, off — stored with the other settings, audited; 422 for the external project.
    const plain = await create({ envId: "CartPole-v1" }, {});
    await updateProject(db, lead, plain.id, { rlFineTune: { afterRound: 3, learningRate: 5e-4 } });
    const [p] = await db.select().from(projects).where(eq(projects.id, plain.id));
    expect((p!.config as { settings: { rlFineTune: unknown; epochs: number } }).settings).toMatchObject({
      epochs: 30,
      rlFineTune: { afterRound: 3, learningRate: 5e-4, iterations: 20, baseline: "value", publish: "if-better" },
    });
    await updateProject(db, lead, plain.id, { rlFineTune: null });
    const [off] = await db.select().from(projects).where(eq(projects.id, plain.id));
    expect((off!.config as { settings: { rlFineTune: unknown } }).settings.rlFineTune).toBeNull();
    const audits = await db.select().from(auditLog).where(and(eq(auditLog.projectId, plain.id), eq(auditLog.action, "project.updated")));
    expect(audits).toHaveLength(2);
    const extProject = await create(external, {});
    await expect(updateProject(db, lead, extProject.id, { rlFineTune: {} })).rejects.toSatisfy(unprocessableOn("rlFineTune"));
  }, 60_000);

  it("fine-tunes the published imitation policy into a new version with its parent and both metrics; a failing fine-tune fails the round and retry finishes it", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Lead");
    const project = await createProject(db, lead, { name: "rl cartpole", envId: "CartPole-v1", settings: { ...TINY, rlFineTune: RL } });
    await startRound(db, lead, project.id, { scriptedDemonstrations: 1 });
    const [round] = await db.select().from(rounds).where(and(eq(rounds.projectId, project.id), eq(rounds.index, 0)));
    const get = async () => (await db.select().from(rounds).where(eq(rounds.id, round!.id)))[0]!;
    const until = async (what: string, ok: (r: Awaited<ReturnType<typeof get>>) => boolean, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await get();
        if (ok(r)) return r;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; round is ${r.status} ${r.error ?? ""}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };

    // Up to the imitation policy: evaluated, published, and the round waiting in `finetuning`.
    const upToEval = runner({ types: ["collect", "aggregate", "train", "evaluate"] });
    const waiting = await until("finetuning", (r) => r.status === "finetuning");
    await upToEval.stop();
    const [imitation] = await db.select().from(policies).where(eq(policies.id, waiting.resultPolicyId!));
    expect(imitation).toMatchObject({ version: 1, kind: "imitation", parentId: null });
    expect(imitation!.publishedAt).not.toBeNull();
    await expect(startRound(db, lead, project.id, {})).rejects.toThrow(/still finetuning/);

    // A fine-tune that cannot run (the parent lost its evaluation): retried, then `failed` with the reason.
    const metrics = imitation!.metrics;
    await db.update(policies).set({ metrics: null }).where(eq(policies.id, imitation!.id));
    runner();
    const failed = await until("failed", (r) => r.status === "failed");
    expect(failed.failedFrom).toBe("finetuning");
    expect(failed.error).toBe("finetune: policy v1 has no evaluation to compare with");
    const [job] = await db.select().from(jobs).where(and(eq(jobs.roundId, round!.id), eq(jobs.type, "finetune"))).orderBy(asc(jobs.createdAt));
    expect(job).toMatchObject({ status: "failed", attempts: 3 });

    // Repaired → the lead's retry resumes `finetuning` and the round publishes with the fine-tuned candidate.
    await db.update(policies).set({ metrics }).where(eq(policies.id, imitation!.id));
    expect((await retryRound(db, lead, project.id, 0)).status).toBe("finetuning");
    const done = await until("published", (r) => r.status === "published");

    const list = await listPolicies(db, lead, project.id);
    expect(list.map((p) => [p.version, p.kind])).toEqual([[2, "rl-finetune"], [1, "imitation"]]);
    const tuned = list[0]!;
    expect(tuned).toMatchObject({ parentVersion: 1, parentMetrics: metrics, publishedAt: null, roundId: round!.id });
    expect(tuned.metrics).toMatchObject({ episodes: 2, meanReturn: expect.any(Number) });
    expect(tuned.training).toMatchObject({ method: "reinforce", parentVersion: 1, iterationsRun: 2, episodes: 4, stopReason: "iterations", backend: "wasm" });
    expect(tuned.training.rlCurve).toBeUndefined(); // curves stay out of the list
    const [stored] = await db.select().from(policies).where(eq(policies.version, 2));
    expect((stored!.training as { rlCurve: unknown[] }).rlCurve).toHaveLength(2);
    expect(done.progress).toMatchObject({ finetune: { done: true, imitationVersion: 1, version: 2, published: false, fineTunedReturn: (tuned.metrics as { meanReturn: number }).meanReturn } });
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.projectId, project.id), eq(auditLog.action, "policy.rl_finetuned")));
    expect(audit!.data).toMatchObject({ roundIndex: 0, imitationVersion: 1, version: 2, published: false });
    const roundAudits = await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, round!.id)).orderBy(asc(auditLog.id));
    expect(roundAudits.map((a) => a.action)).toEqual(["round.started", "round.aggregating", "round.training", "round.evaluating", "round.finetuning", "round.failed", "round.finetuning", "round.published"]);

    // The candidate is not what the next round rolls out until the lead publishes it.
    await publishPolicyVersion(db, lead, project.id, 2);
    const next = await startRound(db, lead, project.id, {});
    expect(next.policyId).toBe(tuned.id);
  }, 300_000);
});
