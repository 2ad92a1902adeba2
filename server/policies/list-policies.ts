import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { policies } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";

const meta = {
  id: policies.id,
  version: policies.version,
  roundId: policies.roundId,
  head: policies.head,
  training: policies.training,
  metrics: policies.metrics,
  publishedAt: policies.publishedAt,
  createdAt: policies.createdAt,
};

type Meta = { publishedAt: Date | null; createdAt: Date } & Record<string, unknown>;
const view = <T extends Meta>(p: T) => {
  const training = { ...(p.training as Record<string, unknown>) };
  delete training.lossCurve;
  return { ...p, training, publishedAt: p.publishedAt?.toISOString() ?? null, createdAt: p.createdAt.toISOString() };
};

export async function listPolicies(db: Db, caller: Caller, projectId: string) {
  await authorizeProject(db, caller, projectId, "viewer");
  const rows = await db.select(meta).from(policies).where(eq(policies.projectId, projectId)).orderBy(desc(policies.version));
  return rows.map(view);
}

/** The latest published policy: metadata (with the loss curve) and the model blob. */
export async function getLatestPolicy(db: Db, caller: Caller, projectId: string) {
  await authorizeProject(db, caller, projectId, "viewer");
  const [row] = await db
    .select({ ...meta, blob: policies.blob })
    .from(policies)
    .where(and(eq(policies.projectId, projectId), isNotNull(policies.publishedAt)))
    .orderBy(desc(policies.publishedAt), desc(policies.version))
    .limit(1);
  if (!row) throw notFound("No published policy yet");
  const { blob, ...rest } = row;
  return { policy: { ...rest, publishedAt: rest.publishedAt?.toISOString() ?? null, createdAt: rest.createdAt.toISOString() }, blob };
}
