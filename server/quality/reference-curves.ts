/**
 * The reference curves the lead dashboard can draw beside a project's own learning curve: what
 * `npm run bench:efficacy` measured on the same environment (normalised return against labels spent, mean
 * and 95 % CI over seeds, per arm: DAgger vs BC, each policy head, each selection and aggregation rule).
 * The benchmark writes them to bench/results/efficacy-reference.json, which is committed with its results;
 * only built-in envs the benchmark ran have any.
 */
import type { TReferenceCurve, TReferenceCurves } from "../../contracts/dashboard";
import reference from "../../bench/results/efficacy-reference.json";

interface ReferenceFile {
  source: string;
  date: string;
  quick: boolean;
  curves: TReferenceCurve[];
}

const COMMITTED = reference as ReferenceFile;

/** A curve is drawable when it has as many points as labels, all finite. */
function drawable(c: TReferenceCurve): boolean {
  const n = c.labels.length;
  return n > 0 && c.mean.length === n && c.ci95.length === n && [...c.labels, ...c.mean, ...c.ci95].every(Number.isFinite);
}

/** The reference curves for `envId` (exact id: CarTrack-v0's project is not compared with CarTrack-v1), or null when none. */
export function referenceCurvesFor(envId: string | null, file: ReferenceFile = COMMITTED): TReferenceCurves | null {
  if (!envId) return null;
  const curves = file.curves.filter((c) => c.envId === envId && drawable(c));
  if (curves.length === 0) return null;
  return { source: file.source, date: file.date, quick: file.quick, curves };
}
