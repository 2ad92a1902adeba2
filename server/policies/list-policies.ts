import { and, desc, eq, inArray } from "drizzle-orm";
import type { TPolicyView } from "../../contracts/policies";
import type { Db } from "../../db/client";
import { policies } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import type { DbOrTx } from "../../db/tx";
import { isPublishedIn, LATEST_PUBLISHED_FIRST } from "./latest-published";

const meta = {
  id: policies.id,
  version: policies.version,
  roundId: policies.roundId,
  head: policies.head,
  training: policies.training,
  metrics: policies.metrics,
  kind: policies.kind,
  parentId: policies.parentId,
  publishedAt: policies.publishedAt,
  createdAt: policies.createdAt,
};

type Meta = { publishedAt: Date | null; createdAt: Date; parentId: string | null } & Record<string, unknown>;
type Parents = ReadonlyMap<string, { version: number; metrics: unknown }>;

/** A row as the API shows it: ISO dates, and for an RL fine-tuned version its imitation parent's version and metrics. */
const view = <T extends Meta>(p: T, parents: Parents, keepCurves: boolean) => {
  const training = { ...(p.training as Record<string, unknown>) };
  if (!keepCurves) {
    delete training.lossCurve;
    delete training.rlCurve;
  }
  const { parentId, ...rest } = p;
  const parent = parentId ? parents.get(parentId) : undefined;
  return {
    ...rest,
    training,
    parentVersion: parent?.version ?? null,
    parentMetrics: parent?.metrics ?? null,
    publishedAt: p.publishedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
  };
};

async function loadParents(db: DbOrTx, ids: Array<string | null>): Promise<Parents> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: policies.id, version: policies.version, metrics: policies.metrics }).from(policies).where(inArray(policies.id, wanted));
  return new Map(rows.map((r) => [r.id, { version: r.version, metrics: r.metrics }]));
}

export async function listPolicies(db: Db, caller: Caller, projectId: string): Promise<TPolicyView[]> {
  await authorizeProject(db, caller, projectId, "viewer");
  const rows = await db.select(meta).from(policies).where(eq(policies.projectId, projectId)).orderBy(desc(policies.version));
  const byId: Parents = new Map(rows.map((r) => [r.id, { version: r.version, metrics: r.metrics }]));
  return rows.map((r) => view(r, byId, false));
}

/** The latest published policy: metadata (with the loss curve) and the model blob. */
export async function getLatestPolicy(db: Db, caller: Caller, projectId: string): Promise<{ policy: TPolicyView; blob: Uint8Array }> {
  await authorizeProject(db, caller, projectId, "viewer");
  const [row] = await db
    .select({ ...meta, blob: policies.blob })
    .from(policies)
    .where(isPublishedIn(projectId))
    .orderBy(...LATEST_PUBLISHED_FIRST)
    .limit(1);
  if (!row) throw notFound("No published policy yet");
  const { blob, ...rest } = row;
  return { policy: view(rest, await loadParents(db, [rest.parentId]), true), blob };
}

/** One version (published or not) with its curves, and the blob. */
export async function getPolicyRow(db: DbOrTx, projectId: string, version: number) {
  const [row] = await db
    .select({ ...meta, blob: policies.blob })
    .from(policies)
    .where(and(eq(policies.projectId, projectId), eq(policies.version, version)));
  if (!row) throw notFound("Policy version not found");
  const { blob, ...rest } = row;
  return { policy: view(rest, await loadParents(db, [rest.parentId]), true), blob };
}
