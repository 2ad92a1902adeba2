/** Building blocks for the dataset views: version summaries and action histograms (read-only). */
import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { TDatasetVersionSummary, THistogram } from "../../contracts/datasets";
import type { TSpace } from "../../contracts/spaces";
import { datasetSamples, datasetVersions, rounds } from "../../db/schema";
import type { DbOrTx } from "../../db/tx";

export const HISTOGRAM_BINS = 20;

export async function versionSummaries(db: DbOrTx, projectId: string): Promise<TDatasetVersionSummary[]> {
  const rows = await db
    .select({ v: datasetVersions, roundIndex: rounds.index, roundOptions: rounds.options })
    .from(datasetVersions)
    .leftJoin(rounds, eq(rounds.id, datasetVersions.roundId))
    .where(eq(datasetVersions.projectId, projectId))
    .orderBy(asc(datasetVersions.version));
  const added = await db.execute<{ version: number; source: string; n: number }>(sql`
    select version, source, count(*)::int as n from dataset_samples where project_id = ${projectId} group by version, source`);
  return rows.map(({ v, roundIndex, roundOptions }) => ({
    version: v.version,
    roundIndex: roundIndex ?? null,
    sampleCount: v.sampleCount,
    addedCount: v.addedCount,
    bySource: ((v.counts as { bySource?: Record<string, number> }).bySource ?? {}) as Record<string, number>,
    addedBySource: Object.fromEntries(added.rows.filter((a) => a.version === v.version).map((a) => [a.source, a.n])),
    checksum: v.checksum,
    imported: Boolean((roundOptions as { imported?: unknown } | null)?.imported),
    createdAt: v.createdAt.toISOString(),
  }));
}

/** Action histogram of the samples with `fromExclusive < version ≤ toInclusive`, read in pages. */
export async function actionHistogram(db: DbOrTx, projectId: string, space: TSpace, fromExclusive: number, toInclusive: number): Promise<THistogram> {
  const actions: (number | number[])[] = [];
  let lastId = 0;
  for (;;) {
    const page = await db
      .select({ id: datasetSamples.id, action: datasetSamples.action })
      .from(datasetSamples)
      .where(and(eq(datasetSamples.projectId, projectId), gt(datasetSamples.version, fromExclusive), lte(datasetSamples.version, toInclusive), gt(datasetSamples.id, lastId)))
      .orderBy(asc(datasetSamples.id))
      .limit(5000);
    if (page.length === 0) break;
    lastId = page[page.length - 1]!.id;
    for (const p of page) actions.push(p.action);
  }
  return histogram(space, actions);
}

export function histogram(space: TSpace, actions: readonly (number | number[])[]): THistogram {
  if (space.type === "discrete") {
    const counts = new Array<number>(space.n).fill(0);
    for (const a of actions) if (typeof a === "number" && a >= 0 && a < space.n) counts[a] = (counts[a] ?? 0) + 1;
    return { kind: "discrete", dims: [{ label: "action", low: 0, high: space.n - 1, counts }] };
  }
  const dims = space.shape[0];
  return {
    kind: "box",
    dims: Array.from({ length: dims }, (_, d) => {
      const values = actions.map((a) => (typeof a === "number" ? a : (a[d] ?? 0)));
      let low = space.low[d] ?? -Infinity;
      let high = space.high[d] ?? Infinity;
      if (!Number.isFinite(low) || !Number.isFinite(high) || high - low > 1e6) {
        low = values.length ? Math.min(...values) : 0;
        high = values.length ? Math.max(...values) : 1;
      }
      if (high <= low) high = low + 1;
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of values) {
        const b = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(((v - low) / (high - low)) * HISTOGRAM_BINS)));
        counts[b] = (counts[b] ?? 0) + 1;
      }
      return { label: space.labels?.[d] ?? `a${d}`, low, high, counts };
    }),
  };
}
