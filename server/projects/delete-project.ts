import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog, frames, projects } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { collectGarbage } from "../blobs/collect-garbage";
import type { BlobStore } from "../blobs/blob-store";
import { getBlobStore } from "../blobs/registry";
import { notFound } from "../errors";

/**
 * Lead-only: deletes a project and everything in it (rounds, rollouts, frames, labels, datasets, policies — the
 * foreign keys cascade), then frees the blobs only its frames referenced. A blob another project also references
 * (the same image uploaded to both) stays. The audit entry outlives the project (it has no project id).
 *
 * The blobs are freed after the commit: a crash in between leaves unreferenced blob rows, which the start-up
 * pass (server/blobs/start-blob-store.ts) frees.
 */
export async function deleteProject(db: Db, caller: Caller, projectId: string, store: BlobStore = getBlobStore()): Promise<{ freedBlobs: number }> {
  await authorizeProject(db, caller, projectId, "lead");
  const hashes = await db.transaction(async (tx) => {
    const [project] = await tx.select({ slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.id, projectId)).for("update");
    if (!project) throw notFound("Project not found");
    const rows = await tx
      .selectDistinct({ hash: frames.blobHash })
      .from(frames)
      .where(and(eq(frames.projectId, projectId), isNotNull(frames.blobHash)));
    await tx.delete(projects).where(eq(projects.id, projectId));
    await tx.insert(auditLog).values({
      projectId: null,
      actorId: caller.id,
      action: "project.deleted",
      targetType: "project",
      targetId: projectId,
      data: { slug: project.slug, name: project.name, blobs: rows.length },
    });
    return rows.map((r) => r.hash!);
  });
  return { freedBlobs: await collectGarbage(db, store, hashes) };
}
