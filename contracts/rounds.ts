/** Rounds, demonstrations, rollouts, tasks and labels as they cross the API. */
import { z } from "zod";
import { ZActionOut, ZCameraFrame, zId, zTimestamp } from "./fields";

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
  .object({
    /** A vector, or for a `Dict` observation space `{ state: [...], <camera>: <frame id> }`, as in external rollouts. */
    observation: z.union([ZVector, ZImageObservation]),
    action: ZActionValue,
    state: ZVector.optional(),
  })
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
export const ZDemonstrationsAdded = z.object({ roundIndex: z.number(), rolloutIds: z.array(zId()), duplicates: z.number().describe("Episodes whose client id was already stored (not stored again)."), steps: z.number() });
export type TDemonstrationsAdded = z.output<typeof ZDemonstrationsAdded>;
export const ZRolloutAdded = z.object({
  rolloutId: zId(),
  id: zId().nullable().describe("The client's id for the rollout, when it sent one."),
  roundIndex: z.number(),
  steps: z.number(),
  duplicate: z.boolean().describe("True when this client id was already stored: a retried upload, nothing new written."),
});
export type TUploadedRollout = z.output<typeof ZRolloutAdded>;
export const ZRolloutsAdded = z.object({ roundIndex: z.number(), rollouts: z.array(ZRolloutAdded) });
export type TUploadedRollouts = z.output<typeof ZRolloutsAdded>;

/**
 * A batch of frames in one request body (`content-type: application/vnd.corrective.frames`): records of
 * [16-byte client-generated UUID][uint32 big-endian length][PNG or JPEG bytes], back to back. A frame id
 * already stored for the project is skipped, so a retried batch stores each frame once.
 */
export const FRAME_BATCH_MIME = "application/vnd.corrective.frames";
export const MAX_FRAMES_PER_BATCH = 1000;
export const ZFrameStored = z.object({ id: zId(), mime: z.enum(["image/png", "image/jpeg"]), size: z.number() });
export type TFrameStored = z.output<typeof ZFrameStored>;
export const ZFramesStored = z.object({ frames: z.array(ZFrameStored.extend({ duplicate: z.boolean() })) });
export type TUploadedFrames = z.output<typeof ZFramesStored>;

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

/**
 * The answer for one label of a batch: the status the single-label route would have given (201 stored, 200 a
 * resubmission, 403/404 not yours to label, 409 refused, 422 invalid), and with 200/201 the stored label.
 */
export const ZLabelResultView = z.object({
  id: zId(),
  taskId: zId(),
  status: z.union([z.literal(200), z.literal(201), z.literal(403), z.literal(404), z.literal(409), z.literal(422)]).describe("What the single-label route would have answered for this label."),
  error: z.object({ code: z.string(), message: z.string() }).optional().describe("With a 4xx status: why the label was refused (the other labels are unaffected)."),
  action: ZActionOut.nullable().optional(),
  cantTell: z.boolean().optional(),
  createdAt: zTimestamp().optional(),
  duplicate: z.boolean().optional().describe("With 200/201: true when this id had been stored before."),
});
export type TLabelResult = z.output<typeof ZLabelResultView>;
export const ZLabelResultsView = z.object({ results: z.array(ZLabelResultView).describe("One result per label, in the order sent.") });
export type TLabelResults = z.output<typeof ZLabelResultsView>;

export const ZRoundMetrics = z.object({ meanReturn: z.number(), successRate: z.number().nullable(), normalizedReturn: z.number().nullable(), episodes: z.number() });
export type TRoundMetrics = z.output<typeof ZRoundMetrics>;

export const ZRoundView = z.object({
  id: zId(),
  projectId: zId(),
  index: z.number(),
  status: z.enum(ROUND_STATUSES),
  error: z.string().nullable(),
  failedFrom: z.enum(ROUND_STATUSES).nullable(),
  beta: z.number().describe("Share of expert actions mixed into this round's rollouts."),
  policyId: zId().nullable().describe("The policy rolled out in this round."),
  resultPolicyId: zId().nullable().describe("The policy trained by this round."),
  datasetVersion: z.number().nullable(),
  progress: z.object({
    tasksTotal: z.number(),
    tasksDone: z.number(),
    labels: z.number(),
    rollouts: z.number(),
    states: z.number(),
    interventions: z.number().describe("Steps of external rollouts where a person took over (HG-DAgger)."),
    interventionRate: z.number().nullable().describe("interventions / steps of this round's external rollouts (null without any)."),
    training: z.unknown().optional().describe("Epoch, loss and throughput while training."),
    finetune: z.unknown().optional().describe("RL fine-tuning (`finetuning` state): iteration, mean training-episode return; when done, the fine-tuned version, both returns and whether it was published."),
  }),
  metrics: ZRoundMetrics.nullable(),
  createdAt: zTimestamp(),
  updatedAt: zTimestamp(),
});
export type TRound = z.output<typeof ZRoundView>;

export const ZNextTaskView = z.object({
  task: z.object({ id: zId(), leaseExpiresAt: zTimestamp(), required: z.number(), labelCount: z.number() }),
  state: z.object({
    id: zId(),
    t: z.number(),
    observation: z.array(z.number()),
    envState: z.array(z.number()).nullable(),
    frameUrl: z.string().nullable(),
    cameras: z.array(ZCameraFrame).describe("Each camera's frame of an image observation (a `Dict` space), in camera-key order; empty otherwise."),
  }),
  context: z.object({
    rolloutId: zId(),
    roundIndex: z.number(),
    before: z
      .array(z.object({ t: z.number(), observation: z.array(z.number()), envState: z.array(z.number()).nullable(), action: ZActionOut.nullable(), frameUrl: z.string().nullable(), cameras: z.array(ZCameraFrame) }))
      .describe("The rollout up to and including the state (oldest first), for replay."),
    rolloutLength: z.number(),
  }),
  policyAction: ZActionOut.nullable(),
});
export type TNextTask = z.output<typeof ZNextTaskView>;

/** `POST …/tasks/claim`'s answer: the leased tasks (possibly none). */
export const ZClaimedTasksView = z.object({
  tasks: z.array(ZNextTaskView).describe("The leased tasks (possibly none), each like `claimNextTask`'s answer, the most-labelled first."),
  waiting: z.number().describe("Only when `tasks` is empty: tasks you may label that others hold right now (> 0: ask again after `Retry-After`; 0: nothing is left for you). 0 otherwise."),
});
export type TClaimedTasks = z.output<typeof ZClaimedTasksView>;

/** A stored label, as `POST /tasks/{taskId}/labels` answers it. */
export const ZLabelView = z.object({
  id: zId(),
  taskId: zId(),
  action: ZActionOut.nullable(),
  cantTell: z.boolean(),
  createdAt: zTimestamp(),
  duplicate: z.boolean().describe("True when this id had been stored before: the resubmission changed nothing."),
});
export type TLabel = z.output<typeof ZLabelView>;
export const ZRetractedLabel = z.object({
  id: zId(),
  taskId: zId(),
  leaseExpiresAt: zTimestamp().nullable().describe("Set when the task was leased back to you so you can label it again."),
});
export type TRetractedLabel = z.output<typeof ZRetractedLabel>;
export const ZReleased = z.object({ released: z.boolean().describe("False when you did not hold the task (nothing changed).") });
export type TReleased = z.output<typeof ZReleased>;
export const ZLease = z.object({ leaseExpiresAt: zTimestamp() });
export type TLease = z.output<typeof ZLease>;
