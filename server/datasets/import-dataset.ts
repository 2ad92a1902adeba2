/**
 * Lead-only: imports a dataset (demonstrations, or another project's export) in the `jsonl` format or as a
 * LeRobot `.tar` (`lerobot`: v3.0, or v2.x per-episode Parquet; parse-lerobot-tar.ts). The whole file is
 * validated first — the first bad line or row is reported and nothing is written. Then,
 * in one transaction, the project gets a new round (the next index, or 0) holding the samples as its dataset
 * version (same sources, episodes and frame indices; the checksum depends only on content, so an export
 * re-imported into an empty project has the same counts and checksum). The round starts in `training` and
 * goes on like any other: train → evaluate → publish; its audit entries say it was imported. Samples are
 * inserted in batches that yield to the event loop between them (write-version.ts).
 */
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import { DATASET_FORMATS, type TDatasetFormat, type TDatasetImportResult } from "../../contracts/datasets";
import type { Db } from "../../db/client";
import { auditLog, datasetVersions, policies, projects, rounds } from "../../db/schema";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { AppError } from "../errors";
import { enqueueJob } from "../jobs/queue";
import { projectSpec } from "../projects/project-spec";
import { transactionWithEvents } from "../realtime/with-events";
import { parseDataset, type Spaces } from "./parse-dataset-file";
import { openLeRobotTar } from "./parse-lerobot-tar";
import { writeVersionInBatches, type DatasetSampleInput } from "./write-version";

export function parseFormat(value: string | null): TDatasetFormat {
  const format = value ?? "jsonl";
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new AppError("VALIDATION", `Unknown dataset format "${format}"; use ${DATASET_FORMATS.join(" or ")}`, { fieldErrors: { format: [`must be one of ${DATASET_FORMATS.join(", ")}`] } });
  }
  return format as TDatasetFormat;
}

const IMPORT_BATCH = 5000;

/** The samples of an import, validated, and how to read them again in batches for the insert. */
async function openImport(format: TDatasetFormat, body: Uint8Array, spaces: Spaces): Promise<{ samples: number; episodes: number; batches: () => AsyncIterable<DatasetSampleInput[]> | Iterable<DatasetSampleInput[]> }> {
  if (format === "lerobot") {
    const source = await openLeRobotTar(body, spaces);
    return { samples: source.samples, episodes: source.episodes, batches: source.pages };
  }
  const { samples, episodes } = parseDataset(new TextDecoder().decode(body), spaces);
  return {
    samples: samples.length,
    episodes,
    *batches() {
      for (let i = 0; i < samples.length; i += IMPORT_BATCH) yield samples.slice(i, i + IMPORT_BATCH);
    },
  };
}

export async function importDataset(db: Db, caller: Caller, projectId: string, format: TDatasetFormat, body: Uint8Array | string): Promise<TDatasetImportResult> {
  await authorizeProject(db, caller, projectId, "lead");
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new AppError("NOT_FOUND", "Project not found");
  const spec = projectSpec(project);
  const input = await openImport(format, typeof body === "string" ? new TextEncoder().encode(body) : body, spec);
  const { episodes } = input;
  const samples = { length: input.samples };

  return transactionWithEvents(db, async (tx, emit) => {
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update");
    const [last] = await tx.select().from(rounds).where(eq(rounds.projectId, projectId)).orderBy(desc(rounds.index)).limit(1);
    if (last && last.status !== "published") {
      throw new AppError("CONFLICT", `Round ${last.index} is still ${last.status}; import when no round is in progress`);
    }
    const index = last ? last.index + 1 : 0;
    const [clash] = await tx.select({ v: datasetVersions.version }).from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, index)));
    if (clash) throw new AppError("CONFLICT", `Dataset version ${index} already exists`);
    const [current] = await tx
      .select({ id: policies.id })
      .from(policies)
      .where(and(eq(policies.projectId, projectId), isNotNull(policies.publishedAt)))
      .orderBy(desc(policies.publishedAt), desc(policies.version))
      .limit(1);
    const [round] = await tx
      .insert(rounds)
      .values({ projectId, index, status: "training", policyId: current?.id ?? null, beta: index === 0 ? 1 : 0, datasetVersion: index, options: { imported: { format, samples: samples.length, episodes } } })
      .returning();
    if (!round) throw new Error("round insert returned nothing");
    await writeVersionInBatches(tx, projectId, round.id, index, input.batches());
    const [version] = await tx.select().from(datasetVersions).where(and(eq(datasetVersions.projectId, projectId), eq(datasetVersions.version, index)));
    if (!version) throw new Error("dataset version insert vanished");
    await tx.insert(auditLog).values([
      { projectId, actorId: caller.id, action: "round.started", targetType: "round", targetId: round.id, data: { index, reason: "dataset imported" } },
      { projectId, actorId: caller.id, action: "dataset.imported", targetType: "dataset_version", targetId: String(index), data: { format, samples: samples.length, episodes, checksum: version.checksum } },
    ]);
    await enqueueJob(tx, "train", { projectId, roundId: round.id });
    await tx.update(projects).set({ updatedAt: sql`now()` }).where(eq(projects.id, projectId));
    emit({ type: "round:status", projectId, roundIndex: index, status: "training" });
    const bySource = (version.counts as { bySource?: Record<string, number> }).bySource ?? {};
    return { version: index, roundIndex: index, samples: samples.length, episodes, checksum: version.checksum, bySource };
  });
}
