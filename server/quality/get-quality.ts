/**
 * Lead-only: per-labeller quality — gold accuracy and agreement with the consensus (from `labeler_stats`,
 * written when a round is aggregated), labels per active hour and time per label (from `labels`, live) —
 * the gold pool, and warnings for labellers whose gold accuracy in a round fell below the threshold.
 * Each warning is also written to the audit log once (see `recordGoldWarnings`).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { TLabelerQuality, TQuality } from "../../contracts/quality";
import type { Db } from "../../db/client";
import { labelerStats, memberships, rounds, users } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { listGold } from "./list-gold";
import { readQualitySettings } from "./quality-settings";
import { recordGoldWarnings } from "./record-gold-warnings";

/** A pause longer than this between two labels is not labelling time. */
const MAX_GAP_S = 300;

export async function getQuality(db: Db, caller: Caller, projectId: string): Promise<TQuality> {
  await authorizeProject(db, caller, projectId, "lead");
  const settings = await readQualitySettings(db, projectId);

  const live = await db.execute<{ user_id: string; labels: number; cant_tell: number; mean_ms: number | null; active_s: number | null }>(sql`
    select user_id, count(*)::int as labels, (count(*) filter (where cant_tell))::int as cant_tell,
      avg(duration_ms)::float8 as mean_ms,
      sum(case when gap is null or gap > ${MAX_GAP_S} then coalesce(duration_ms, 0) / 1000.0 else gap end)::float8 as active_s
    from (
      select l.user_id, l.cant_tell, l.duration_ms,
        extract(epoch from l.created_at - lag(l.created_at) over (partition by l.user_id order by l.created_at))::float8 as gap
      from labels l join tasks t on t.id = l.task_id
      where t.project_id = ${projectId}
    ) x
    group by user_id`);
  const perRound = await db
    .select({ userId: labelerStats.userId, roundIndex: rounds.index, labels: labelerStats.labels, goldTotal: labelerStats.goldTotal, goldCorrect: labelerStats.goldCorrect, consensusTotal: labelerStats.consensusTotal, consensusAgree: labelerStats.consensusAgree })
    .from(labelerStats)
    .innerJoin(rounds, eq(rounds.id, labelerStats.roundId))
    .where(eq(rounds.projectId, projectId))
    .orderBy(asc(rounds.index));
  const labelers = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.projectId, projectId), eq(memberships.role, "labeler")));
  const ids = new Set([...labelers.map((l) => l.id), ...live.rows.map((r) => r.user_id), ...perRound.map((r) => r.userId)]);
  const missing = [...ids].filter((id) => !labelers.some((l) => l.id === id));
  const others = missing.length
    ? await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(sql`${users.id} in (${sql.join(missing.map((id) => sql`${id}::uuid`), sql`, `)})`)
    : [];

  const out: TLabelerQuality[] = [...labelers, ...others].map((u) => {
    const l = live.rows.find((r) => r.user_id === u.id);
    const rs = perRound.filter((r) => r.userId === u.id);
    const sum = (k: "goldTotal" | "goldCorrect" | "consensusTotal" | "consensusAgree") => rs.reduce((a, r) => a + r[k], 0);
    const goldTotal = sum("goldTotal");
    const consensusTotal = sum("consensusTotal");
    const activeS = l?.active_s ?? 0;
    return {
      userId: u.id,
      name: u.name,
      email: u.email,
      labels: l?.labels ?? 0,
      cantTell: l?.cant_tell ?? 0,
      goldTotal,
      goldCorrect: sum("goldCorrect"),
      goldAccuracy: goldTotal ? sum("goldCorrect") / goldTotal : null,
      consensusTotal,
      consensusAgree: sum("consensusAgree"),
      agreement: consensusTotal ? sum("consensusAgree") / consensusTotal : null,
      labelsPerHour: l && activeS > 0 ? (l.labels * 3600) / activeS : null,
      meanMsPerLabel: l?.mean_ms ?? null,
      rounds: rs.map((r) => ({ roundIndex: r.roundIndex, labels: r.labels, goldTotal: r.goldTotal, goldCorrect: r.goldCorrect, goldAccuracy: r.goldTotal ? r.goldCorrect / r.goldTotal : null })),
    };
  });
  out.sort((a, b) => a.name.localeCompare(b.name));

  const warnings = out.flatMap((u) =>
    u.rounds
      .filter((r) => r.goldTotal >= settings.minGoldLabels && r.goldAccuracy !== null && r.goldAccuracy < settings.goldAccuracyThreshold)
      .map((r) => ({ userId: u.userId, name: u.name, roundIndex: r.roundIndex, goldAccuracy: r.goldAccuracy as number, goldTotal: r.goldTotal, threshold: settings.goldAccuracyThreshold })),
  );
  await recordGoldWarnings(db, projectId, warnings);
  const gold = await listGold(db, projectId);
  const [open] = await db.select({ index: rounds.index }).from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.status, "labeling"))).limit(1);
  return { settings, labelers: out, warnings, gold, openRoundIndex: open?.index ?? null };
}
