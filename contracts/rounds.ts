/** Rounds, demonstrations, rollouts, tasks and labels as they cross the API. */
import { z } from "zod";

export const ROUND_STATUSES = ["collecting", "labeling", "aggregating", "training", "evaluating", "finetuning", "published", "failed"] as const;
export type TRoundStatus = (typeof ROUND_STATUSES)[number];

const ZVector = z.array(z.number().finite()).min(1).max(65_536);
const ZActionValue = z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)]);
/** An image observation as uploaded: the `state` vector and, per camera, the id of an uploaded PNG frame. */
const ZImageObservation = z.record(z.string().max(64), z.union([z.uuid(), ZVector])).refine((o) => Object.keys(o).length <= 9, "at most 8 cameras and a state");

export const ZStartRound = z
  .object({
    /** Round 0 only, built-in envs with a scripted expert: generate this many expert demonstration episodes. */
    scriptedDemonstrations: z.int().min(1).max(1000).optional(),
  })
  .strict();
export type TStartRound = z.infer<typeof ZStartRound>;

export const ROLLOUT_SOURCES = ["policy", "expert", "teleop", "takeover", "external"] as const;

export const ZDemonstrationStep = z
  .object({ observation: ZVector, action: ZActionValue, state: ZVector.optional() })
  .strict();
/** A client-generated rollout id: the same id uploaded again (a retry after a crash or timeout) is stored once. */
const ZClientRolloutId = z.uuid();
export const ZDemonstrations = z
  .object({
    source: z.enum(["expert", "teleop", "takeover"]).default("expert"),
    episodes: z
      .array(z.object({ id: ZClientRolloutId.optional(), steps: z.array(ZDemonstrationStep).min(1).max(100_000) }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();
export type TDemonstrations = z.infer<typeof ZDemonstrations>;

export const ZExternalRollout = z
  .object({
    id: ZClientRolloutId.optional(),
    seed: z.int().optional(),
    steps: z
      .array(
        z
          .object({
            /** A vector, or for a `Dict` observation space `{ state: [...], <camera>: <frame id> }` (contracts/spaces.ts). */
            observation: z.union([ZVector, ZImageObservation]),
            state: ZVector.optional(),
            policyAction: ZActionValue.optional(),
            uncertainty: z.number().finite().min(0).optional(),
            reward: z.number().finite().optional(),
            frameId: z.uuid().optional(),
            /** A person took over at this step (HG-DAgger): what they did becomes a dataset sample (source `intervention`). */
            intervention: z.object({ action: ZActionValue }).strict().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100_000),
  })
  .strict();
export type TExternalRollout = z.infer<typeof ZExternalRollout>;
/** Many rollouts in one request (all or nothing; ids already stored are reported as duplicates, not stored twice). */
export const ZExternalRolloutBatch = z.object({ rollouts: z.array(ZExternalRollout).min(1).max(10_000) }).strict();
export type TExternalRolloutBatch = z.infer<typeof ZExternalRolloutBatch>;
export interface TUploadedRollout {
  rolloutId: string;
  /** The client's id, when it sent one. */
  id: string | null;
  roundIndex: number;
  steps: number;
  /** True when this id was already stored (a retried upload): nothing new was written. */
  duplicate: boolean;
}
export interface TUploadedRollouts {
  roundIndex: number;
  rollouts: TUploadedRollout[];
}

/**
 * A batch of frames in one request body (`content-type: application/vnd.corrective.frames`): records of
 * [16-byte client-generated UUID][uint32 big-endian length][PNG or JPEG bytes], back to back. A frame id
 * already stored for the project is skipped, so a retried batch stores each frame once.
 */
export const FRAME_BATCH_MIME = "application/vnd.corrective.frames";
export const MAX_FRAMES_PER_BATCH = 1000;
export interface TUploadedFrames {
  frames: { id: string; mime: string; size: number; duplicate: boolean }[];
}

/** Evaluation episodes a client ran with a policy version on its own robot or simulator. */
export const ZPostEvaluation = z
  .object({
    episodes: z
      .array(
        z
          .object({ return: z.number().finite(), success: z.boolean().optional(), length: z.int().min(0).max(10_000_000) })
          .strict(),
      )
      .min(1)
      .max(10_000),
    /** The env's return range [min, max], to report a normalised return (0 at min, 1 at max). */
    returnRange: z
      .tuple([z.number().finite(), z.number().finite()])
      .refine(([lo, hi]) => hi > lo, "max must be greater than min")
      .optional(),
  })
  .strict();
export type TPostEvaluation = z.infer<typeof ZPostEvaluation>;

/** A label's fields, the same for a single label and for each label of a batch. */
const LABEL_FIELDS = {
  /** Client-generated UUID; resubmitting the same id returns the stored label and counts once. */
  id: z.uuid(),
  action: ZActionValue.nullable().optional(),
  cantTell: z.boolean().default(false),
  durationMs: z.int().min(0).max(86_400_000).optional(),
};
const hasActionUnlessCantTell = (l: { action?: unknown; cantTell: boolean }) => l.cantTell || (l.action !== undefined && l.action !== null);
const ACTION_REQUIRED = { message: "action is required unless cantTell", path: ["action"] };

export const ZSubmitLabel = z.object(LABEL_FIELDS).strict().refine(hasActionUnlessCantTell, ACTION_REQUIRED);
export type TSubmitLabel = z.infer<typeof ZSubmitLabel>;

/** Most tasks one batched claim leases, and most labels one batched submit carries. */
export const MAX_BATCH = 100;

/** `POST …/tasks/claim`: lease up to `count` tasks in one statement. */
export const ZClaimTasks = z
  .object({
    count: z.int().min(1).max(MAX_BATCH),
    /** Task ids the client already holds (its queue and outbox) and wants skipped. */
    exclude: z.array(z.uuid()).max(2 * MAX_BATCH).default([]),
  })
  .strict();
export type TClaimTasks = z.infer<typeof ZClaimTasks>;

/** One label of a batch: a single label's fields plus the task it labels. */
export const ZBatchLabel = z
  .object({ taskId: z.uuid(), ...LABEL_FIELDS })
  .strict()
  .refine(hasActionUnlessCantTell, ACTION_REQUIRED);
export type TBatchLabel = z.infer<typeof ZBatchLabel>;

/** `POST /api/v1/labels`: independent labels, each answered on its own (see TLabelResult). */
export const ZSubmitLabels = z.object({ labels: z.array(ZBatchLabel).min(1).max(MAX_BATCH) }).strict();
export type TSubmitLabels = z.infer<typeof ZSubmitLabels>;
/**
 * What the server parses before answering per label: only what identifies each label. A label that is
 * otherwise malformed gets its own 422 and does not spoil the others.
 */
export const ZSubmitLabelsEnvelope = z
  .object({ labels: z.array(z.looseObject({ taskId: z.uuid(), id: z.uuid() })).min(1).max(MAX_BATCH) })
  .strict();

/** The answer for one label of a batch: the status the single-label route would have given, and its body. */
export interface TLabelResult {
  id: string;
  taskId: string;
  /** 201 stored, 200 a resubmission (`duplicate`), 403/404 not yours to label, 409 refused, 422 invalid. */
  status: 200 | 201 | 403 | 404 | 409 | 422;
  error?: { code: string; message: string };
  /** With 200/201: the stored label, as the single-label route returns it. */
  action?: number | number[] | null;
  cantTell?: boolean;
  createdAt?: string;
  duplicate?: boolean;
}

export interface TRoundMetrics {
  meanReturn: number;
  successRate: number | null;
  normalizedReturn: number | null;
  episodes: number;
}

export interface TRound {
  id: string;
  projectId: string;
  index: number;
  status: TRoundStatus;
  error: string | null;
  failedFrom: TRoundStatus | null;
  beta: number;
  policyId: string | null;
  resultPolicyId: string | null;
  datasetVersion: number | null;
  progress: {
    tasksTotal: number;
    tasksDone: number;
    labels: number;
    rollouts: number;
    states: number;
    /** Steps of this round's external rollouts where a person took over (HG-DAgger), and their share of its rollout steps. */
    interventions: number;
    interventionRate: number | null;
    training?: unknown;
    finetune?: unknown;
  };
  metrics: TRoundMetrics | null;
  createdAt: string;
  updatedAt: string;
}

export interface TNextTask {
  task: { id: string; leaseExpiresAt: string; required: number; labelCount: number };
  state: { id: string; t: number; observation: number[]; envState: number[] | null; frameUrl: string | null };
  context: {
    rolloutId: string;
    roundIndex: number;
    /** The rollout up to and including the state (oldest first), for replay. */
    before: { t: number; observation: number[]; envState: number[] | null; action: number | number[] | null; frameUrl: string | null }[];
    rolloutLength: number;
  };
  policyAction: number | number[] | null;
}

/** `POST …/tasks/claim`'s answer: the leased tasks (possibly none). */
export interface TClaimedTasks {
  tasks: TNextTask[];
  /** Only when `tasks` is empty: tasks you may label that others hold right now (> 0: ask again shortly; 0: nothing left for you). */
  waiting: number;
}
