/**
 * The `aggregate` job: a round's labels (and demonstrations) become dataset version `round.index`
 * = version i−1 ∪ the accepted samples of round i (plus review decisions taken since the last version).
 * One transaction; idempotent (a round no longer `aggregating` is left alone). Each state's labels are
 * aggregated by the project's `aggregation` rule (mode-aware, majority or reliability-weighted).
 */
import { and, asc, eq, getTableColumns, inArray, isNotNull, isNull, lt } from "drizzle-orm";
import { bulkInsert } from "../../../db/bulk-insert";
import type { Db } from "../../../db/client";
import { aggregatedLabels, labelerStats, labels, rollouts, rounds, states, tasks } from "../../../db/schema";
import { writeVersion, type DatasetSampleInput } from "../../datasets/write-version";
import { loadProjectSpec } from "../../projects/project-spec";
import { transitionRound } from "../round-machine";
import { whileRoundIs } from "./step-transaction";
import { aggregateState, sameAction } from "../../aggregation/aggregate-state";
import { aggregateRoundByReliability } from "../../aggregation/reliability-rule";

type Sample = DatasetSampleInput;

export async function runAggregation(db: Db, roundId: string): Promise<void> {
  await whileRoundIs(db, roundId, "aggregating", async (tx, emit, round) => {
    const spec = await loadProjectSpec(tx, round.projectId);
    const space = spec.actionSpace;
    const samples: Sample[] = [];
    const episodeOf = new Map<string, number>();
    const episode = (rolloutId: string) => episodeOf.get(rolloutId) ?? episodeOf.set(rolloutId, episodeOf.size).size - 1;

    // 1. Demonstrations and takeover segments of this round: the demonstrator's action is the label.
    const demoStates = await tx
      .select({ id: states.id, rolloutId: states.rolloutId, t: states.t, observation: states.observation, action: states.action, source: rollouts.source })
      .from(states)
      .innerJoin(rollouts, eq(rollouts.id, states.rolloutId))
      .where(and(eq(rollouts.roundId, round.id), inArray(rollouts.source, ["expert", "teleop", "takeover"])))
      .orderBy(asc(rollouts.createdAt), asc(rollouts.seed), asc(rollouts.id), asc(states.t));
    for (const s of demoStates) {
      if (s.action === null) continue;
      samples.push({ stateId: s.id, observation: s.observation, action: s.action, source: s.source, episode: episode(s.rolloutId), frameIndex: s.t });
    }

    // 1b. Interventions (HG-DAgger): a person took over the robot at these steps; what they did is the label,
    // with no labelling task. The round aggregates once (status check above), so each lands exactly once.
    const interventionStates = await tx
      .select({ id: states.id, rolloutId: states.rolloutId, t: states.t, observation: states.observation, action: states.action })
      .from(states)
      .innerJoin(rollouts, eq(rollouts.id, states.rolloutId))
      .where(and(eq(rollouts.roundId, round.id), eq(states.intervention, true)))
      .orderBy(asc(rollouts.seed), asc(rollouts.createdAt), asc(rollouts.id), asc(states.t));
    for (const s of interventionStates) {
      if (s.action === null) continue;
      samples.push({ stateId: s.id, observation: s.observation, action: s.action, source: "intervention", episode: episode(s.rolloutId), frameIndex: s.t });
    }

    // 2. Labelling tasks: consensus per state; gold answers are known and feed labeller accuracy.
    const roundTasks = await tx.select().from(tasks).where(eq(tasks.roundId, round.id));
    // Labels, states and rollouts of the round's tasks by join/sub-select, not by a list of 10k ids as parameters.
    const ofRound = tx.select({ id: tasks.stateId }).from(tasks).where(eq(tasks.roundId, round.id));
    const roundLabels = roundTasks.length
      ? await tx.select(getTableColumns(labels)).from(labels).innerJoin(tasks, eq(tasks.id, labels.taskId)).where(eq(tasks.roundId, round.id))
      : [];
    const byTask = new Map<string, typeof roundLabels>();
    for (const l of roundLabels) byTask.set(l.taskId, [...(byTask.get(l.taskId) ?? []), l]);
    const stateRows = roundTasks.length
      ? await tx.select({ id: states.id, rolloutId: states.rolloutId, t: states.t, observation: states.observation }).from(states).where(inArray(states.id, ofRound))
      : [];
    const stateById = new Map(stateRows.map((s) => [s.id, s]));
    // The same labels give the same dataset in the same order (and so the same trained policy): tasks in the
    // order of their rollouts (by seed, then creation) and steps, not in whatever order the table returns them,
    // which depends on how the labelling went (updated rows move).
    const rolloutRows = stateRows.length
      ? await tx
          .select({ id: rollouts.id, seed: rollouts.seed, createdAt: rollouts.createdAt })
          .from(rollouts)
          .where(inArray(rollouts.id, tx.select({ id: states.rolloutId }).from(states).where(inArray(states.id, ofRound))))
      : [];
    const rolloutKey = new Map(rolloutRows.map((r) => [r.id, r]));
    const orderKey = (stateId: string): [number, number, string, number] => {
      const st = stateById.get(stateId);
      const ro = st ? rolloutKey.get(st.rolloutId) : undefined;
      return [ro?.seed ?? Number.MAX_SAFE_INTEGER, ro?.createdAt.getTime() ?? 0, st?.rolloutId ?? "", st?.t ?? 0];
    };
    roundTasks.sort((a, b) => {
      const [x, y] = [orderKey(a.stateId), orderKey(b.stateId)];
      return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0) || x[3] - y[3] || (a.stateId < b.stateId ? -1 : 1);
    });
    const stats = new Map<string, { labels: number; goldTotal: number; goldCorrect: number; consensusTotal: number; consensusAgree: number; totalDurationMs: number }>();
    const stat = (userId: string) => stats.get(userId) ?? stats.set(userId, { labels: 0, goldTotal: 0, goldCorrect: 0, consensusTotal: 0, consensusAgree: 0, totalDurationMs: 0 }).get(userId)!;
    const tol = spec.settings.clusterTolerance;
    const rule = spec.settings.aggregation;
    // The reliability rule estimates every labeller's accuracy over the whole round first (gold included).
    const byReliability =
      rule === "reliability"
        ? aggregateRoundByReliability(
            roundTasks.map((t) => ({ labels: byTask.get(t.id) ?? [], gold: t.isGold ? t.goldAction : null })),
            { space, multimodal: spec.multimodalHead, tolerance: tol },
          ).aggregates
        : null;
    const aggregateRows: (typeof aggregatedLabels.$inferInsert)[] = [];

    for (const [taskIndex, task] of roundTasks.entries()) {
      const ls = byTask.get(task.id) ?? [];
      const state = stateById.get(task.stateId);
      if (ls.length === 0 || !state) continue;
      for (const l of ls) {
        const s = stat(l.userId);
        s.labels++;
        s.totalDurationMs += l.durationMs ?? 0;
      }
      if (task.isGold && task.goldAction !== null) {
        for (const l of ls) {
          const s = stat(l.userId);
          s.goldTotal++;
          if (!l.cantTell && l.action !== null && sameAction(space, l.action, task.goldAction, tol)) s.goldCorrect++;
        }
        aggregateRows.push({ roundId: round.id, stateId: task.stateId, actions: [task.goldAction], agreement: 1, labelCount: ls.length, status: "accepted", reason: "gold" });
        samples.push({ stateId: task.stateId, observation: state.observation, action: task.goldAction, source: "gold", episode: episode(state.rolloutId), frameIndex: state.t });
        continue;
      }
      const agg =
        byReliability?.[taskIndex] ?? aggregateState(ls, { space, multimodal: spec.multimodalHead, tolerance: tol, minAgreement: spec.settings.minAgreement, rule: rule === "majority" ? "majority" : "mode-aware" });
      aggregateRows.push({ roundId: round.id, stateId: task.stateId, actions: agg.actions, agreement: agg.agreement, spread: agg.spread, labelCount: ls.length, status: agg.status, reason: agg.reason });
      if (agg.status === "accepted") {
        for (const a of agg.actions) samples.push({ stateId: task.stateId, observation: state.observation, action: a, source: "label", episode: episode(state.rolloutId), frameIndex: state.t });
        for (const l of ls) {
          if (l.cantTell || l.action === null) continue;
          const s = stat(l.userId);
          s.consensusTotal++;
          if (agg.actions.some((a) => sameAction(space, l.action as number | number[], a, tol))) s.consensusAgree++;
        }
      }
    }

    // 3. Review decisions taken since the last version (accepted by a lead, not yet in any version).
    const decided = await tx
      .select({ id: aggregatedLabels.id, stateId: aggregatedLabels.stateId, actions: aggregatedLabels.actions, observation: states.observation, t: states.t, rolloutId: states.rolloutId })
      .from(aggregatedLabels)
      .innerJoin(rounds, eq(rounds.id, aggregatedLabels.roundId))
      .innerJoin(states, eq(states.id, aggregatedLabels.stateId))
      .where(and(eq(rounds.projectId, round.projectId), eq(aggregatedLabels.status, "accepted"), isNull(aggregatedLabels.datasetVersion), isNotNull(aggregatedLabels.reviewerId), lt(rounds.index, round.index)));
    for (const d of decided) {
      for (const a of d.actions) samples.push({ stateId: d.stateId, observation: d.observation, action: a, source: "review", episode: episode(d.rolloutId), frameIndex: d.t });
    }

    const version = round.index;
    await bulkInsert(tx, aggregatedLabels, aggregateRows.map((r) => ({ ...r, datasetVersion: r.status === "accepted" ? version : null })), { onConflictDoNothing: true });
    if (decided.length) await tx.update(aggregatedLabels).set({ datasetVersion: version }).where(inArray(aggregatedLabels.id, decided.map((d) => d.id)));
    await writeVersion(tx, round.projectId, round.id, version, samples);
    for (const [userId, s] of stats) await tx.insert(labelerStats).values({ roundId: round.id, userId, ...s }).onConflictDoNothing();

    const result = await transitionRound(tx, round, "training", { set: { datasetVersion: version }, reason: `dataset v${version}: +${samples.length} samples` });
    emit(result.event);
  });
}
