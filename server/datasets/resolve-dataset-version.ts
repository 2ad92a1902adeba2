import { desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { datasetVersions } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";

/**
 * A dataset version path segment: a number, or `latest` (the newest version, like `…/policies/latest`).
 * Returns -1 for anything else, which the services answer with 404.
 */
export async function resolveDatasetVersion(db: Db, caller: Caller, projectId: string, segment: string | undefined): Promise<number> {
  if (segment !== "latest") return segment !== undefined && /^\d{1,9}$/.test(segment) ? Number(segment) : -1;
  await authorizeProject(db, caller, projectId, "viewer");
  const [last] = await db.select({ version: datasetVersions.version }).from(datasetVersions).where(eq(datasetVersions.projectId, projectId)).orderBy(desc(datasetVersions.version)).limit(1);
  if (!last) throw notFound("The project has no dataset version yet");
  return last.version;
}
