/**
 * The lead's review queue, labeller quality and gold, policy rollback, the dashboard and the audit log, on
 * PGlite and PostgreSQL, with rounds aggregated by the real aggregation job (server/aggregation).
 */
import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregatedLabels, auditLog, labels, policies, rounds, states, tasks, type Round } from "../../db/schema";
import { runAggregation } from "../../server/rounds/steps/aggregate";
import { listAuditLog } from "../../server/audit/list-audit-log";
import type { TUser } from "../../contracts/auth";
import { listDatasetVersions } from "../../server/datasets/list-dataset-versions";
import { getPolicyVersion } from "../../server/policies/get-policy-version";
import { getLatestPolicy } from "../../server/policies/list-policies";
import { publishPolicyVersion } from "../../server/policies/publish-policy-version";
import { addMember } from "../../server/projects/add-member";
import { createProject } from "../../server/projects/create-project";
import { applyGold } from "../../server/quality/apply-gold";
import { getDashboard } from "../../server/quality/get-dashboard";
import { getQuality } from "../../server/quality/get-quality";
import { markGold, unmarkGold } from "../../server/quality/mark-gold";
import { updateQualitySettings } from "../../server/quality/quality-settings";
import { GOLD_WARNING_ACTION } from "../../server/quality/record-gold-warnings";
import { decideReview } from "../../server/review/decide-review";
import { listReviewQueue } from "../../server/review/list-review-queue";
import { insertRollout } from "../../server/rollouts/insert-rollout";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

const obs = (t: number) => [t / 100, -t / 50, (t % 3) / 30, 0.01 * t];

describeEngines("lead review, quality, gold, rollback, dashboard and audit", (h) => {
  let lead: TUser, a: TUser, b: TUser, outsider: TUser;
  let projectId: string;
  let round1StateIds: string[] = [];

  const db = () => h.database.db;
  const insertRound = async (index: number, status: Round["status"]) => {
    const [r] = await db().insert(rounds).values({ projectId, index, status }).returning();
    return r!;
  };
  const setStatus = (id: string, status: Round["status"], metrics?: object) => db().update(rounds).set({ status, ...(metrics ? { metrics } : {}) }).where(eq(rounds.id, id));

  beforeAll(async () => {
    [lead, a, b, outsider] = (await Promise.all(["Lead", "Ann", "Bob", "Outsider"].map((n) => makeUser(db(), n)))) as [TUser, TUser, TUser, TUser];
    projectId = (await createProject(db(), lead, { name: "Review", envId: "CartPole-v1", settings: { labelsPerState: 2, minAgreement: 0.6 } })).id;
    for (const u of [a, b]) await addMember(db(), lead, projectId, { email: u.email, role: "labeler" });

    // Round 0: five expert demonstration steps → dataset version 0.
    const r0 = await insertRound(0, "aggregating");
    await db().transaction((tx) => insertRollout(tx, { projectId, roundId: r0.id, source: "expert", steps: [0, 1, 2, 3, 4].map((t) => ({ observation: obs(t), action: t % 2 })) }));
    await runAggregation(db(), r0.id);
    await setStatus(r0.id, "published", { meanReturn: 40, successRate: 0, normalizedReturn: 0.3, episodes: 2 });

    // Round 1: six policy states, labelled by Ann and Bob (two of them gold).
    const r1 = await insertRound(1, "labeling");
    const rolloutId = await db().transaction((tx) => insertRollout(tx, { projectId, roundId: r1.id, source: "policy", steps: [0, 1, 2, 3, 4, 5].map((t) => ({ observation: obs(t), envState: obs(t), action: 0, policyAction: 0 })) }));
    round1StateIds = (await db().select({ id: states.id }).from(states).where(eq(states.rolloutId, rolloutId)).orderBy(asc(states.t))).map((s) => s.id);
    const plan: { gold?: number; ann: number | "?"; bob: number | "?" }[] = [
      { ann: 1, bob: 1 }, // accepted
      { ann: 0, bob: 1 }, // no agreement → review
      { ann: "?", bob: 1 }, // can't tell → review
      { gold: 1, ann: 1, bob: 0 },
      { gold: 0, ann: 0, bob: 1 },
      { ann: 0, bob: 0 }, // accepted
    ];
    for (const [i, p] of plan.entries()) {
      const stateId = round1StateIds[i]!;
      const [task] = await db().insert(tasks).values({ projectId, roundId: r1.id, stateId, required: 2, labelCount: 2, isGold: p.gold !== undefined, goldAction: p.gold ?? null }).returning();
      for (const [user, v] of [[a, p.ann], [b, p.bob]] as const) {
        await db().insert(labels).values({ id: randomUUID(), taskId: task!.id, stateId, userId: user.id, action: v === "?" ? null : v, cantTell: v === "?", durationMs: 1500 });
      }
    }
    await setStatus(r1.id, "aggregating");
    await runAggregation(db(), r1.id);
  });

  describe("review queue", () => {
    it("lists the disagreeing and can't-tell states with every label and the replay context", async () => {
      const page = await listReviewQueue(db(), lead, projectId, {});
      expect(page.total).toBe(2);
      expect(page.items.map((i) => [i.stateId, i.reason, i.labels.length])).toEqual([
        [round1StateIds[1], "no agreement", 2],
        [round1StateIds[2], "can't tell", 2],
      ]);
      const item = page.items[1]!;
      expect(item.labels.map((l) => [l.userName, l.cantTell, l.action])).toEqual(expect.arrayContaining([["Ann", true, null], ["Bob", false, 1]]));
      expect(item.context.map((c) => c.t)).toEqual([0, 1, 2]);
      expect(item.state).toMatchObject({ t: 2, policyAction: 0, envState: obs(2) });
      expect((await listReviewQueue(db(), lead, projectId, { offset: "1", limit: "1" })).items.map((i) => i.stateId)).toEqual([round1StateIds[2]]);
    });

    it("is for leads only; non-members get NOT_FOUND", async () => {
      await expect(listReviewQueue(db(), a, projectId)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(listReviewQueue(db(), outsider, projectId)).rejects.toMatchObject({ code: "NOT_FOUND" });
      const [item] = (await listReviewQueue(db(), lead, projectId)).items;
      await expect(decideReview(db(), b, projectId, item!.id, { decision: "exclude" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(decideReview(db(), outsider, projectId, item!.id, { decision: "exclude" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("accepts a value or excludes a state, once each, audited; a bad action is 422", async () => {
      const [first, second] = (await listReviewQueue(db(), lead, projectId)).items;
      await expect(decideReview(db(), lead, projectId, first!.id, { decision: "accept", action: 5 })).rejects.toMatchObject({ code: "UNPROCESSABLE" });
      expect(await decideReview(db(), lead, projectId, first!.id, { decision: "accept", action: 1, note: "pole leans right" })).toMatchObject({ status: "accepted", actions: [1], reviewerId: lead.id });
      expect(await decideReview(db(), lead, projectId, second!.id, { decision: "exclude" })).toMatchObject({ status: "excluded", actions: [] });
      await expect(decideReview(db(), lead, projectId, first!.id, { decision: "exclude" })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(decideReview(db(), lead, projectId, randomUUID(), { decision: "exclude" })).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect((await listReviewQueue(db(), lead, projectId)).total).toBe(0);
      const audit = await listAuditLog(db(), lead, projectId, { action: "review." });
      expect(audit.entries.map((e) => [e.action, e.targetId, e.actorName])).toEqual([
        ["review.excluded", round1StateIds[2], "Lead"],
        ["review.accepted", round1StateIds[1], "Lead"],
      ]);
      expect(audit.entries[1]!.data).toMatchObject({ action: 1, note: "pole leans right", roundIndex: 1 });
    });

    it("an accepted decision joins the next dataset version as a review sample; an excluded one never does", async () => {
      const [r1] = await db().select().from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.index, 1)));
      await setStatus(r1!.id, "published", { meanReturn: 120, successRate: 0.5, normalizedReturn: 0.7, episodes: 2 });
      const r2 = await insertRound(2, "aggregating");
      await runAggregation(db(), r2.id);
      const versions = await listDatasetVersions(db(), lead, projectId);
      expect(versions.map((v) => [v.version, v.addedCount, v.addedBySource])).toEqual([
        [0, 5, { expert: 5 }],
        [1, 4, { label: 2, gold: 2 }],
        [2, 1, { review: 1 }],
      ]);
      const decided = await db().select().from(aggregatedLabels).where(eq(aggregatedLabels.stateId, round1StateIds[1]!));
      expect(decided[0]).toMatchObject({ status: "accepted", datasetVersion: 2, reviewerId: lead.id });
      const excluded = await db().select().from(aggregatedLabels).where(eq(aggregatedLabels.stateId, round1StateIds[2]!));
      expect(excluded[0]).toMatchObject({ status: "excluded", datasetVersion: null });
      await setStatus(r2.id, "published", { meanReturn: 150, successRate: 1, normalizedReturn: 0.95, episodes: 2 });
    });
  });

  describe("quality and gold", () => {
    it("computes gold accuracy, agreement and speed per labeller and warns once below the threshold", async () => {
      await expect(updateQualitySettings(db(), a, projectId, { minGoldLabels: 2 })).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect(await updateQualitySettings(db(), lead, projectId, { minGoldLabels: 2 })).toEqual({ goldAccuracyThreshold: 0.8, minGoldLabels: 2 });
      const q = await getQuality(db(), lead, projectId);
      const byName = Object.fromEntries(q.labelers.map((l) => [l.name, l]));
      expect(byName.Ann).toMatchObject({ labels: 6, cantTell: 1, goldTotal: 2, goldCorrect: 2, goldAccuracy: 1, meanMsPerLabel: 1500 });
      expect(byName.Bob).toMatchObject({ labels: 6, cantTell: 0, goldTotal: 2, goldCorrect: 0, goldAccuracy: 0 });
      // Both accepted states were unanimous: each labeller agreed with the consensus there.
      expect(byName.Ann!.agreement).toBe(1);
      expect(byName.Ann!.labelsPerHour).toBeGreaterThan(0);
      expect(q.warnings).toEqual([{ userId: b.id, name: "Bob", roundIndex: 1, goldAccuracy: 0, goldTotal: 2, threshold: 0.8 }]);
      await getQuality(db(), lead, projectId);
      const logged = await db().select().from(auditLog).where(and(eq(auditLog.projectId, projectId), eq(auditLog.action, GOLD_WARNING_ACTION)));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ targetId: b.id, data: { roundIndex: 1, goldAccuracy: 0, threshold: 0.8 } });
      await expect(getQuality(db(), a, projectId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    });

    it("keeps a gold pool, puts it into the open labelling round, and unmarks", async () => {
      await expect(markGold(db(), lead, projectId, { stateId: round1StateIds[1], action: 3 })).rejects.toMatchObject({ code: "UNPROCESSABLE" });
      await expect(markGold(db(), lead, projectId, { stateId: randomUUID(), action: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
      const entry = await markGold(db(), lead, projectId, { stateId: round1StateIds[1], action: 1 });
      expect(entry).toMatchObject({ stateId: round1StateIds[1], action: 1, roundIndex: 1, t: 1, inOpenRound: false });
      let pool = (await getQuality(db(), lead, projectId)).gold;
      expect(pool.map((g) => g.t)).toEqual([1, 3, 4]);
      expect(pool.find((g) => g.t === 3)).toMatchObject({ answered: 2, correct: 1 });

      await expect(applyGold(db(), lead, projectId, {})).rejects.toMatchObject({ code: "CONFLICT" });
      const r3 = await insertRound(3, "labeling");
      expect(await applyGold(db(), lead, projectId, {})).toEqual({ roundIndex: 3, added: 3 });
      expect(await applyGold(db(), lead, projectId, {})).toEqual({ roundIndex: 3, added: 0 });
      const open = await db().select().from(tasks).where(eq(tasks.roundId, r3.id));
      expect(open.map((t) => [t.isGold, t.required])).toEqual([[true, 2], [true, 2], [true, 2]]);
      pool = (await getQuality(db(), lead, projectId)).gold;
      expect(pool.every((g) => g.inOpenRound)).toBe(true);

      // Marking while a round labels: that round gets a gold task on the state right away.
      await markGold(db(), lead, projectId, { stateId: round1StateIds[0], action: 1 });
      expect(await db().select().from(tasks).where(and(eq(tasks.roundId, r3.id), eq(tasks.stateId, round1StateIds[0]!)))).toHaveLength(1);
      await unmarkGold(db(), lead, projectId, round1StateIds[0]!);
      expect((await getQuality(db(), lead, projectId)).gold.map((g) => g.t)).toEqual([1, 3, 4]);
      await expect(unmarkGold(db(), lead, projectId, round1StateIds[0]!)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await setStatus(r3.id, "published");
    });
  });

  describe("policies", () => {
    beforeAll(async () => {
      const [r0] = await db().select().from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.index, 0)));
      const [r1] = await db().select().from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.index, 1)));
      const blob = Buffer.from("CRPL-test");
      await db().insert(policies).values([
        { projectId, version: 1, roundId: r0!.id, head: "categorical", blob, training: { backend: "cpu" }, metrics: { normalizedReturn: 0.3 }, publishedAt: new Date(Date.now() - 60_000) },
        { projectId, version: 2, roundId: r1!.id, head: "categorical", blob, training: { backend: "cpu" }, metrics: { normalizedReturn: 0.7 }, publishedAt: new Date(Date.now() - 30_000) },
        { projectId, version: 3, roundId: null, head: "categorical", blob, training: {}, metrics: null, publishedAt: null },
      ]);
    });

    it("rolls the published policy back to an older version, audited; the latest policy follows", async () => {
      expect((await getLatestPolicy(db(), lead, projectId)).policy.version).toBe(2);
      await expect(publishPolicyVersion(db(), a, projectId, 1)).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(publishPolicyVersion(db(), outsider, projectId, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await publishPolicyVersion(db(), lead, projectId, 1)).toMatchObject({ version: 1, previousVersion: 2 });
      expect((await getLatestPolicy(db(), a, projectId)).policy.version).toBe(1);
      await expect(publishPolicyVersion(db(), lead, projectId, 1)).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(publishPolicyVersion(db(), lead, projectId, 3)).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(publishPolicyVersion(db(), lead, projectId, 9)).rejects.toMatchObject({ code: "NOT_FOUND" });
      const [entry] = (await listAuditLog(db(), lead, projectId, { action: "policy.rolled_back" })).entries;
      expect(entry).toMatchObject({ actorId: lead.id, data: { version: 1, previousVersion: 2 } });
    });

    it("downloads any version, unpublished ones included, for any member", async () => {
      const v3 = await getPolicyVersion(db(), a, projectId, 3);
      expect(v3.policy).toMatchObject({ version: 3, publishedAt: null });
      expect(Buffer.from(v3.blob).toString()).toBe("CRPL-test");
      await expect(getPolicyVersion(db(), outsider, projectId, 3)).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });

  it("the dashboard has one row per round and the learning curve with its reference lines", async () => {
    const d = await getDashboard(db(), lead, projectId);
    expect(d.rounds.map((r) => [r.index, r.status, r.labels, r.datasetSize])).toEqual([
      [0, "published", 0, 5],
      [1, "published", 12, 9],
      [2, "published", 0, 10],
      [3, "published", 0, null],
    ]);
    // Mean over the four non-gold states as aggregated (before review): 1, ½ (0 vs 1), ½ (one can't tell), 1.
    expect(d.rounds[1]!.agreement).toBeCloseTo(0.75, 6);
    expect(d.rounds[1]!.inReview).toBe(0);
    expect(d.curve).toEqual({
      points: [
        { round: 0, normalizedReturn: 0.3, samples: 5 },
        { round: 1, normalizedReturn: 0.7, samples: 9 },
        { round: 2, normalizedReturn: 0.95, samples: 10 },
      ],
      expert: 1,
      bc: 0.3,
      interventionRates: [], // no external steps, so no intervention rate
    });
    expect(d.publishedPolicyVersion).toBe(1);
    // The efficacy benchmark has no CartPole reference curves; a CarTrack-v1 project gets CarTrack-v1's.
    expect(d.references).toBeNull();
    const car = await createProject(db(), lead, { name: "Car v1", envId: "CarTrack-v1" });
    const refs = (await getDashboard(db(), lead, car.id)).references;
    expect(refs?.curves.length).toBeGreaterThan(0);
    expect(new Set(refs?.curves.map((c) => c.envId))).toEqual(new Set(["CarTrack-v1"]));
    await expect(getDashboard(db(), a, projectId)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("the audit log filters by action prefix, actor and date, and pages by keyset", async () => {
    const all = await listAuditLog(db(), lead, projectId, { limit: "200" });
    expect(all.actions).toEqual(expect.arrayContaining(["project.created", "member.added", "review.accepted", "gold.marked", GOLD_WARNING_ACTION]));
    expect(all.actors.map((x) => x.name)).toEqual(["Lead"]);
    const ids = all.entries.map((e) => e.id);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);

    const pages: number[][] = [];
    let before: number | undefined;
    do {
      const page = await listAuditLog(db(), lead, projectId, { limit: "3", ...(before ? { before: String(before) } : {}) });
      pages.push(page.entries.map((e) => e.id));
      before = page.nextBefore ?? undefined;
    } while (before);
    expect(pages.flat()).toEqual(ids);
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);

    expect((await listAuditLog(db(), lead, projectId, { action: "gold*" })).entries.every((e) => e.action.startsWith("gold"))).toBe(true);
    expect((await listAuditLog(db(), lead, projectId, { actor: lead.id })).entries.every((e) => e.actorId === lead.id)).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await listAuditLog(db(), lead, projectId, { to: yesterday })).entries).toEqual([]);
    expect((await listAuditLog(db(), lead, projectId, { from: today, to: today, limit: "200" })).entries).toHaveLength(ids.length);
    await expect(listAuditLog(db(), lead, projectId, { from: "yesterday" })).rejects.toMatchObject({ name: "ZodError" });
    await expect(listAuditLog(db(), a, projectId)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
