/**
 * The trainer's `worker_threads` worker: selects the backend once, then runs jobs one at a time —
 * `train` with `trainPolicy`, `reinforce` with REINFORCE fine-tuning — streaming progress and
 * answering cancellation. Protocol: ../protocol.ts.
 * Started by ./client.ts (never import this module elsewhere: it takes over `parentPort`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { selectBackend, type BackendInfo } from "../backend";
import { TrainingCancelledError } from "../errors";
import type { Dataset } from "../dataset";
import { referencedImages, type ReferencedImageSource } from "../image-refs";
import { inMemoryImages } from "../images";
import { ZToWorker, type TFromWorker } from "../../contracts/trainer-protocol";
import { reinforce } from "../rl/reinforce";
import { trainPolicy } from "../train";

const port = parentPort;
if (port === null) throw new Error("train-worker must run in a worker thread (use TrainerWorker from trainer/worker/client)");

const post = (msg: TFromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
const options = (workerData ?? {}) as { expectedBatchSize?: number };

let current: Job | null = null;

const backendReady: Promise<BackendInfo> = selectBackend({
  ...(options.expectedBatchSize === undefined ? {} : { expectedBatchSize: options.expectedBatchSize }),
  log: (message) => post({ type: "log", level: "info", message }),
});
backendReady.then(
  (backend) => post({ type: "ready", backend }),
  (err: unknown) => post({ type: "error", jobId: null, message: `backend selection failed: ${String(err)}` }),
);

port.on("message", (raw: unknown) => {
  const parsed = ZToWorker.safeParse(raw);
  if (!parsed.success) {
    const jobId = typeof raw === "object" && raw !== null && typeof (raw as { jobId?: unknown }).jobId === "string" ? (raw as { jobId: string }).jobId : null;
    post({ type: "error", jobId, message: `invalid message: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` });
    return;
  }
  const msg = parsed.data;
  switch (msg.type) {
    case "train":
    case "reinforce": {
      if (current !== null) {
        post({ type: "error", jobId: msg.jobId, message: `busy with job ${current.jobId}; one job at a time` });
        return;
      }
      const job: Job = { jobId: msg.jobId, cancelled: false };
      current = job;
      void (msg.type === "train" ? runJob(job, msg) : runReinforce(job, msg)).finally(() => {
        current = null;
      });
      return;
    }
    case "cancel":
      if (current?.jobId === msg.jobId) cancel(current);
      return;
    case "shutdown":
      if (current !== null) cancel(current);
      port.close();
      return;
  }
});

type Job = { jobId: string; cancelled: boolean; images?: ReferencedImageSource };

/** Marks the job cancelled and ends its PNG decoder threads now: a batch being decoded is not waited for. */
function cancel(job: Job): void {
  job.cancelled = true;
  void job.images?.close();
}
type ToWorker = ReturnType<typeof ZToWorker.parse>;

async function runJob(job: Job, msg: Extract<ToWorker, { type: "train" }>): Promise<void> {
  let epochsRun = 0;
  await settle(job, () => epochsRun, async (backend) => {
    const { pixels, imageRefs, ...rest } = msg.dataset;
    const cameras = msg.config.vision?.cameras;
    const hasImages = pixels !== undefined || imageRefs !== undefined;
    if (hasImages !== (cameras !== undefined)) throw new Error("image datasets need both `config.vision` and `dataset.pixels` or `dataset.imageRefs`");
    let dataset: Dataset = rest;
    if (cameras !== undefined && pixels !== undefined) dataset = { ...rest, images: inMemoryImages(cameras, pixels, rest.n) };
    // By reference: decoded batch by batch behind a cache of TRAINER_IMAGE_CACHE_MB (or the message's bound).
    // PNG frames decode on TRAINER_DECODE_THREADS threads, ended when the job ends or is cancelled.
    if (cameras !== undefined && imageRefs !== undefined) {
      job.images = referencedImages(cameras, imageRefs);
      dataset = { ...rest, images: job.images };
    }
    try {
      const result = await trainPolicy(dataset, msg.config, {
        backend,
        ...(msg.warmStart === undefined ? {} : { warmStart: msg.warmStart }),
        isCancelled: () => job.cancelled,
        onProgress: (progress) => {
          epochsRun = progress.epoch;
          if (!job.cancelled) post({ type: "progress", jobId: job.jobId, progress });
        },
      });
      return () => post({ type: "result", jobId: job.jobId, result }, [result.blob.buffer as ArrayBuffer]);
    } finally {
      const images = job.images;
      if (images !== undefined) {
        await images.close();
        const { size, live, pending } = images.decoders();
        if (size > 0) post({ type: "log", level: "info", message: `job ${job.jobId}: PNG decoder pool of ${size} closed, ${live} thread(s) running, ${pending} decode(s) pending` });
      }
    }
  });
}

async function runReinforce(job: Job, msg: Extract<ToWorker, { type: "reinforce" }>): Promise<void> {
  let iterations = 0;
  await settle(job, () => iterations, async (backend) => {
    const result = await reinforce(msg.blob, msg.envId, msg.options, {
      backend,
      isCancelled: () => job.cancelled,
      onProgress: (progress) => {
        iterations = progress.iteration;
        if (!job.cancelled) post({ type: "rl-progress", jobId: job.jobId, progress });
      },
    });
    return () => post({ type: "rl-result", jobId: job.jobId, result }, [result.blob.buffer as ArrayBuffer]);
  });
}

/**
 * How every job ends, whatever it runs: its result, or `cancelled` with how far it got (`done()` epochs or
 * iterations), or the error's message and stack.
 */
async function settle(job: Job, done: () => number, work: (backend: BackendInfo) => Promise<() => void>): Promise<void> {
  try {
    const sendResult = await work(await backendReady);
    if (job.cancelled) {
      post({ type: "cancelled", jobId: job.jobId, epochsRun: done() });
      return;
    }
    sendResult();
  } catch (err) {
    if (err instanceof TrainingCancelledError) {
      post({ type: "cancelled", jobId: job.jobId, epochsRun: err.epochsRun });
      return;
    }
    // Cancelled while images were being read (the cancel closed the decoder pool under the read): a cancel.
    if (job.cancelled) {
      post({ type: "cancelled", jobId: job.jobId, epochsRun: done() });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: "error", jobId: job.jobId, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
  }
}
