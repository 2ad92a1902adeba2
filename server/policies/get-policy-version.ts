import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { policies } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";

/** One policy version (published or not): metadata with its loss curve, and the model blob. Viewers may download. */
export async function getPolicyVersion(db: Db, caller: Caller, projectId: string, version: number) {
  await authorizeProject(db, caller, projectId, "viewer");
  if (!Number.isInteger(version) || version < 1) throw notFound("Policy version not found");
  const [row] = await db.select().from(policies).where(and(eq(policies.projectId, projectId), eq(policies.version, version)));
  if (!row) throw notFound("Policy version not found");
  const { blob, projectId: _p, ...rest } = row;
  return { policy: { ...rest, publishedAt: rest.publishedAt?.toISOString() ?? null, createdAt: rest.createdAt.toISOString() }, blob };
}
