/**
 * The `train` job: the project's dataset (every sample up to the round's version) → a new policy version,
 * trained in the trainer's worker thread. Progress goes to the round row and out as realtime events; the
 * job lease is renewed on every epoch.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { policies, rounds } from "../../../db/schema";
import { makeDataset, type Dataset } from "../../../trainer/dataset";
import { referencedImages } from "../../../trainer/image-refs";
import { ZHeadConfig, ZVision, type THeadConfig, type TVision } from "../../../contracts/policy-spec";
import type { TTrainProgress } from "../../../contracts/trainer-protocol";
import type { TrainerWorker } from "../../../trainer/worker/client";
import { loadProjectSpec, type ProjectSpec } from "../../projects/project-spec";
import { observationCameras, observationImageRefs } from "../../blobs/observation-images";
import { trainingSamples } from "../../datasets/sample-pages";
import { storeRoundPolicy } from "../../policies/store-policy-version";
import { publish } from "../../realtime/bus";
import { transitionRound } from "../round-machine";
import { progressThrottle, whileRoundIs } from "./step-transaction";

export function headConfig(spec: ProjectSpec): THeadConfig {
  switch (spec.head) {
    case "categorical":
      return { kind: "categorical" };
    case "mog":
      return { kind: "mog", components: 5 };
    case "autoregressive":
      return { kind: "autoregressive", bins: 41 };
    case "cvae":
    case "diffusion":
      // The schema's defaults (cvae: 2-D latent, standard prior, free bits; diffusion: T = 50, DDIM × 10).
      return ZHeadConfig.parse({ kind: spec.head });
    default:
      return { kind: "gaussian", variance: "state" };
  }
}

/**
 * The policy's cameras for a project whose observations are a `Dict` with image keys (Gymnasium
 * `Box(0, 255, [H, W, C], uint8)`), in the order of `cameraKeys`; null for vector observations.
 */
export function projectVision(spec: Pick<ProjectSpec, "observation">): TVision | null {
  const cameras = observationCameras(spec.observation);
  return cameras.length === 0 ? null : ZVision.parse({ cameras });
}

export interface TrainDeps {
  trainer: () => Promise<TrainerWorker>;
  heartbeat: (progress: unknown) => Promise<void>;
}

export async function runTrain(db: Db, roundId: string, deps: TrainDeps): Promise<void> {
  const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
  if (!round || round.status !== "training" || round.datasetVersion === null) return;
  const spec = await loadProjectSpec(db, round.projectId);
  const tLoad = performance.now();

  const vision = projectVision(spec);
  const all = await trainingSamples(db, round.projectId, round.datasetVersion);
  // An image sample needs its state (the image is rendered from its env state or read from its frame); a
  // sample whose state was deleted since cannot be seen again, so it is left out rather than trained blind.
  const rows = vision ? all.filter((r): r is typeof r & { stateId: string } => r.stateId !== null) : all;
  if (rows.length === 0) throw new Error(`dataset v${round.datasetVersion} is empty: nothing to train on`);
  let dataset: Dataset = makeDataset(rows.map((r) => r.observation), rows.map((r) => r.action));
  if (vision) {
    // The worker gets references, not pixels (trainer/image-refs.ts): each state's frame hashes in the blob
    // store or its env state, and decodes them batch by batch behind its bounded cache (TRAINER_IMAGE_CACHE_MB).
    const stateIds = [...new Set(rows.map((r) => r.stateId as string))];
    const sourceOf = new Map(stateIds.map((id, k) => [id, k]));
    const sampleSource = Int32Array.from(rows, (r) => sourceOf.get(r.stateId as string) as number);
    const refs = await observationImageRefs(db, spec, stateIds);
    dataset = { ...dataset, images: referencedImages(vision.cameras, { ...refs, sampleSource }) };
  }

  let warmStart: Uint8Array | undefined;
  if (spec.settings.warmStart && round.policyId) {
    const [p] = await db.select({ blob: policies.blob }).from(policies).where(eq(policies.id, round.policyId));
    if (p) warmStart = new Uint8Array(p.blob);
  }
  const loadMs = performance.now() - tLoad;
  const s = spec.settings;
  const ensembleSize = s.ensembleSize || (s.selection === "uncertainty" ? 5 : 1);
  const due = progressThrottle();
  const onProgress = (p: TTrainProgress) => {
    if (!due(p.epoch === p.epochs)) return;
    const training = { epoch: p.epoch, epochs: p.epochs, loss: p.loss, valLoss: p.valLoss, samplesPerSecond: p.samplesPerSec };
    publish([{ type: "training:progress", projectId: round.projectId, roundIndex: round.index, ...training }]);
    void db.update(rounds).set({ progress: { training } }).where(eq(rounds.id, roundId)).catch(() => {});
    void deps.heartbeat(training).catch(() => {});
  };
  const trainer = await deps.trainer();
  const job = trainer.train(
    dataset,
    {
      actionSpace: spec.actionSpace,
      head: headConfig(spec),
      network: { hidden: s.hiddenUnits, activation: "relu" },
      ensembleSize,
      epochs: s.epochs,
      batchSize: s.batchSize,
      learningRate: s.learningRate,
      learningRateSchedule: s.learningRateSchedule,
      seed: round.index,
      ...(vision ? { vision } : {}),
      ...(spec.envId ? { envId: spec.envId } : {}),
    },
    { onProgress, transfer: true, ...(warmStart ? { warmStart } : {}) },
  );
  const result = await job.result;

  await whileRoundIs(db, roundId, "training", async (tx, emit, current) => {
    const policy = await storeRoundPolicy(tx, round, {
      head: spec.head,
      blob: Buffer.from(result.blob),
      training: {
        backend: result.backend.name,
        samples: dataset.n,
        datasetVersion: round.datasetVersion,
        epochsRun: result.epochsRun,
        stopReason: result.stopReason,
        finalLoss: result.finalLoss,
        bestValLoss: result.bestValLoss,
        samplesPerSec: result.samplesPerSec,
        timings: { ...result.timings, loadMs },
        ...(result.imageCache ? { imageCache: result.imageCache } : {}),
        lossCurve: result.lossCurve,
        ensembleSize,
        batchSize: s.batchSize,
        learningRate: s.learningRate,
        learningRateSchedule: s.learningRateSchedule,
        warmStarted: result.warmStarted,
      },
    });
    const training = { ...((current.progress as { training?: object }).training ?? {}), done: true, backend: result.backend.name, trainMs: result.timings.totalMs };
    emit((await transitionRound(tx, current, "evaluating", { set: { resultPolicyId: policy.id, progress: sql`${JSON.stringify({ training })}::jsonb` as never } })).event);
  });
}
