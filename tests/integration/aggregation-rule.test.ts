/**
 * The project setting `aggregation` (mode-aware, majority, reliability-weighted), on PGlite and PostgreSQL:
 * validated and lead-only when changed, refused where it would average a multimodal head's modes, and used by
 * the real aggregation job (server/rounds/steps/aggregate.ts) — the same labels give different
 * training targets under each rule.
 */
import { randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { aggregatedLabels, auditLog, labels, rounds, states, tasks } from "../../db/schema";
import { runAggregation } from "../../server/rounds/steps/aggregate";
import type { TUser } from "../../contracts/auth";
import { addMember } from "../../server/projects/add-member";
import { createProject } from "../../server/projects/create-project";
import { loadProjectSpec } from "../../server/projects/project-spec";
import { updateProject } from "../../server/projects/update-project";
import { insertRollout } from "../../server/rollouts/insert-rollout";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

type Plan = { gold?: number; ann: number | "?"; bob: number | "?"; cy: number | "?" };

/**
 * Ann and Bob answer gold states right, Cy wrong. States 4–9 are ordinary; the interesting ones:
 * - 6: two near labels and a third a little off — mode-aware takes the median of the cluster (0.025),
 *   majority the median of all three (0.05);
 * - 7: Ann alone (Bob can't tell) against Cy — no cluster of two, so mode-aware sends it to review;
 *   reliability believes Ann (gold-proven) and accepts 0.5;
 * - 9: Ann and Bob agree, Cy is off: Cy's label is left out by mode-aware and reliability alike.
 */
const PLAN: Plan[] = [
  { gold: 0.8, ann: 0.8, bob: 0.8, cy: -0.8 },
  { gold: -0.4, ann: -0.4, bob: -0.4, cy: 0.6 },
  { gold: 0.2, ann: 0.2, bob: 0.2, cy: -0.9 },
  { gold: -0.7, ann: -0.7, bob: -0.7, cy: 0.7 },
  { ann: 0.3, bob: 0.3, cy: -0.6 },
  { ann: -0.2, bob: -0.2, cy: 0.9 },
  { ann: 0, bob: 0.05, cy: 0.3 },
  { ann: 0.5, bob: "?", cy: -0.5 },
  { ann: 0.6, bob: 0.62, cy: 0.64 },
  { ann: -0.9, bob: -0.9, cy: -0.1 },
];

describeEngines("project setting: aggregation rule", (h) => {
  let lead: TUser, ann: TUser, bob: TUser, cy: TUser;
  const db = () => h.database.db;

  beforeAll(async () => {
    [lead, ann, bob, cy] = (await Promise.all(["Lead", "Ann", "Bob", "Cy"].map((n) => makeUser(db(), n)))) as [TUser, TUser, TUser, TUser];
  });

  /** A Fork-v0 project whose round 1 has PLAN's tasks labelled, aggregated under `rule`; the aggregates in task order. */
  async function aggregateUnder(rule: "mode-aware" | "majority" | "reliability" | null) {
    const projectId = (await createProject(db(), lead, { name: `Agg ${rule ?? "default"}`, envId: "Fork-v0", settings: { labelsPerState: 3 } })).id;
    for (const u of [ann, bob, cy]) await addMember(db(), lead, projectId, { email: u.email, role: "labeler" });
    if (rule) await updateProject(db(), lead, projectId, { aggregation: rule });
    const [r1] = await db().insert(rounds).values({ projectId, index: 1, status: "labeling" }).returning();
    const obs = (t: number) => [t / 10, 0.1 * t, 5 - t / 10, 10 - t / 10];
    const rolloutId = await db().transaction((tx) =>
      insertRollout(tx, { projectId, roundId: r1!.id, source: "policy", steps: PLAN.map((_, t) => ({ observation: obs(t), envState: [t / 10, t / 5, 0, 6], action: [0], policyAction: [0] })) }),
    );
    const stateIds = (await db().select({ id: states.id }).from(states).where(eq(states.rolloutId, rolloutId)).orderBy(asc(states.t))).map((s) => s.id);
    for (const [i, p] of PLAN.entries()) {
      const stateId = stateIds[i]!;
      const [task] = await db().insert(tasks).values({ projectId, roundId: r1!.id, stateId, required: 3, labelCount: 3, isGold: p.gold !== undefined, goldAction: p.gold === undefined ? null : [p.gold] }).returning();
      for (const [user, v] of [[ann, p.ann], [bob, p.bob], [cy, p.cy]] as const) {
        await db().insert(labels).values({ id: randomUUID(), taskId: task!.id, stateId, userId: user.id, action: v === "?" ? null : [v], cantTell: v === "?", durationMs: 1000 });
      }
    }
    await db().update(rounds).set({ status: "aggregating" }).where(eq(rounds.id, r1!.id));
    await runAggregation(db(), r1!.id);
    const rows = await db().select().from(aggregatedLabels).where(eq(aggregatedLabels.roundId, r1!.id));
    return { projectId, byState: stateIds.map((id) => rows.find((r) => r.stateId === id)) };
  }

  const first = (a: unknown) => (Array.isArray(a) ? (a[0] as number) : (a as number));

  it("defaults to mode-aware; a lead changes it (audited); others may not; values and heads are validated", async () => {
    const { projectId } = await aggregateUnder(null);
    expect((await loadProjectSpec(db(), projectId)).settings.aggregation).toBe("mode-aware");
    await expect(updateProject(db(), ann, projectId, { aggregation: "majority" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(updateProject(db(), lead, projectId, { aggregation: "mean" })).rejects.toThrow();
    expect((await loadProjectSpec(db(), projectId)).settings.aggregation).toBe("mode-aware");
    await updateProject(db(), lead, projectId, { aggregation: "reliability" });
    expect((await loadProjectSpec(db(), projectId)).settings.aggregation).toBe("reliability");
    const audit = await db().select().from(auditLog).where(eq(auditLog.projectId, projectId));
    expect(audit.some((a) => a.action === "project.updated" && (a.data as { aggregation?: string }).aggregation === "reliability")).toBe(true);

    // `majority` would average the modes a multimodal head keeps apart: refused at creation and on update.
    await expect(createProject(db(), lead, { name: "Mog majority", envId: "Fork-v0", settings: { head: "mog", aggregation: "majority" } })).rejects.toMatchObject({ code: "UNPROCESSABLE" });
    const mog = (await createProject(db(), lead, { name: "Mog", envId: "Fork-v0", settings: { head: "mog" } })).id;
    await expect(updateProject(db(), lead, mog, { aggregation: "majority" })).rejects.toMatchObject({ code: "UNPROCESSABLE" });
    expect((await loadProjectSpec(db(), mog)).settings.aggregation).toBe("mode-aware");
    // Discrete actions: majority is the plain vote, allowed with any head.
    const discrete = (await createProject(db(), lead, { name: "Cart", envId: "CartPole-v1", settings: { aggregation: "majority" } })).id;
    expect((await loadProjectSpec(db(), discrete)).settings.aggregation).toBe("majority");
  });

  it("the aggregation job applies the project's rule: same labels, different training targets", async () => {
    const modeAware = (await aggregateUnder("mode-aware")).byState;
    const majority = (await aggregateUnder("majority")).byState;
    const reliability = (await aggregateUnder("reliability")).byState;
    for (const rows of [modeAware, majority, reliability]) {
      // Gold states: the gold answer under every rule.
      for (const i of [0, 1, 2, 3]) expect(rows[i]).toMatchObject({ status: "accepted", reason: "gold", actions: [[PLAN[i]!.gold]] });
      // Two agreeing labellers: their answer under every rule.
      expect(rows[4]).toMatchObject({ status: "accepted" });
      expect(first(rows[4]!.actions[0])).toBeCloseTo(0.3, 6);
    }
    // State 6: the cluster's median vs every label's median.
    expect(first(modeAware[6]!.actions[0])).toBeCloseTo(0.025, 6);
    expect(first(majority[6]!.actions[0])).toBeCloseTo(0.05, 6);
    // State 7: one labeller against another — only reliability knows whom to believe.
    expect(modeAware[7]).toMatchObject({ status: "review" });
    expect(majority[7]).toMatchObject({ status: "review" });
    expect(reliability[7]).toMatchObject({ status: "accepted" });
    expect(first(reliability[7]!.actions[0])).toBeCloseTo(0.5, 6);
    // State 9: Ann and Bob agree, gold-proven; Cy's answer is left out by reliability and mode-aware alike.
    for (const rows of [modeAware, reliability]) expect(first(rows[9]!.actions[0])).toBeCloseTo(-0.9, 6);
  });
});
