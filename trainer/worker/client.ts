/**
 * `TrainerWorker` — runs training in a `worker_threads` worker so the caller's event loop (the web
 * server's) never stalls. Every message in both directions is validated against ../protocol.ts.
 *
 * ```ts
 * const worker = TrainerWorker.start();
 * const backend = await worker.ready();               // which backend the worker picked
 * const job = worker.train(dataset, { actionSpace, head: { kind: "mog", components: 5 } }, {
 *   onProgress: (p) => console.log(p.epoch, p.loss, p.valLoss),
 * });
 * job.cancel();                                       // optional: rejects with TrainingCancelledError
 * const result = await job.result;                    // result.blob is the serialised policy
 * await worker.terminate();
 * ```
 * Node only.
 */
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { BackendInfo } from "../backend";
import type { Dataset } from "../dataset";
import type { ReferencedImageSource } from "../image-refs";
import type { InMemoryImageSource } from "../images";
import { TrainingCancelledError } from "../errors";
import {
  ZFromWorker,
  type TFromWorker,
  type TImageRefs,
  type TReinforceResult,
  type TToWorker,
  type TTrainConfigInput,
  type TTrainProgress,
  type TTrainResult,
} from "../../contracts/trainer-protocol";
import type { ReinforceProgress, TReinforceOptionsInput } from "../../contracts/trainer-protocol";

export interface TrainerWorkerOptions {
  /** Typical batch size of the jobs (WebGPU is only considered for large batches). */
  readonly expectedBatchSize?: number;
  /** Extra environment for the worker, e.g. `{ TRAINER_BACKEND: "cpu" }` (default: this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Log lines from the worker (backend selection …). Default: written to stderr. */
  readonly onLog?: (message: string) => void;
}

export interface TrainJobOptions {
  /** Continue from this policy blob instead of training from scratch. */
  readonly warmStart?: Uint8Array;
  readonly onProgress?: (progress: TTrainProgress) => void;
  /** Aborting cancels the job. */
  readonly signal?: AbortSignal;
  /**
   * Transfer the dataset's buffers to the worker instead of copying them (the caller's arrays become
   * unusable). Default false.
   */
  readonly transfer?: boolean;
}

export interface TrainJob {
  readonly jobId: string;
  /** Resolves with the result; rejects with TrainingCancelledError, or an Error from the worker. */
  readonly result: Promise<TTrainResult>;
  cancel(): void;
}

export interface ReinforceJobOptions {
  /** One event per iteration (mean training return, loss, entropy estimate …). */
  readonly onProgress?: (progress: ReinforceProgress) => void;
  /** Aborting cancels the job. */
  readonly signal?: AbortSignal;
}

export interface ReinforceJob {
  readonly jobId: string;
  /** Resolves with the fine-tuned policy; rejects with TrainingCancelledError (its `epochsRun` counts iterations), or an Error from the worker. */
  readonly result: Promise<TReinforceResult>;
  cancel(): void;
}

/** `cancelled`: the caller asked to stop; progress the worker sent before it heard is no longer delivered. */
type PendingJob =
  | { readonly kind: "train"; readonly resolve: (r: TTrainResult) => void; readonly reject: (e: Error) => void; readonly onProgress?: (p: TTrainProgress) => void; cancelled?: boolean }
  | { readonly kind: "reinforce"; readonly resolve: (r: TReinforceResult) => void; readonly reject: (e: Error) => void; readonly onProgress?: (p: ReinforceProgress) => void; cancelled?: boolean };

/** The worker module to start: the .ts sources through a tsx bootstrap, or compiled .js next to us. */
function workerEntry(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./bootstrap.mjs", import.meta.url)
    : new URL("./train-worker.js", import.meta.url);
}

export class TrainerWorker {
  private readonly jobs = new Map<string, PendingJob>();
  private readonly readyPromise: Promise<BackendInfo>;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly options: TrainerWorkerOptions,
  ) {
    let resolveReady!: (b: BackendInfo) => void;
    let rejectReady!: (e: Error) => void;
    this.readyPromise = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.readyPromise.catch(() => undefined); // reported through ready() / jobs
    worker.on("message", (raw: unknown) => {
      const parsed = ZFromWorker.safeParse(raw);
      if (!parsed.success) {
        this.log(`[trainer] ignoring an invalid message from the worker: ${parsed.error.message}`);
        return;
      }
      this.handle(parsed.data, resolveReady, rejectReady);
    });
    worker.on("error", (err) => {
      rejectReady(err);
      this.failAll(err);
    });
    worker.on("exit", (code) => {
      this.exited = true;
      const err = new Error(`trainer worker exited (code ${code})`);
      rejectReady(err);
      this.failAll(err);
    });
  }

  static start(options: TrainerWorkerOptions = {}): TrainerWorker {
    const worker = new Worker(workerEntry(), {
      workerData: { expectedBatchSize: options.expectedBatchSize },
      env: { ...process.env, ...options.env },
      // The worker loads its own loader (bootstrap.mjs); do not inherit the parent's flags.
      execArgv: [],
    });
    return new TrainerWorker(worker, options);
  }

  /** Resolves with the worker's backend once it has been selected. */
  ready(): Promise<BackendInfo> {
    return this.readyPromise;
  }

  /** Whether a job is running. */
  get busy(): boolean {
    return this.jobs.size > 0;
  }

  train(dataset: Dataset, config: TTrainConfigInput, options: TrainJobOptions = {}): TrainJob {
    const jobId = randomUUID();
    const result = new Promise<TTrainResult>((resolve, reject) => {
      if (this.exited) {
        reject(new Error("trainer worker has exited"));
        return;
      }
      this.jobs.set(jobId, { kind: "train", resolve, reject, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    });
    const observations = options.transfer ? dataset.observations : dataset.observations.slice();
    const actions = options.transfer ? dataset.actions : dataset.actions.slice();
    // Image datasets travel by reference (the worker decodes per batch, ../image-refs.ts) or, held in memory
    // (tests, the DAgger loop), as decoded bytes per camera.
    let pixels: Uint8Array[] | undefined;
    let imageRefs: TImageRefs | undefined;
    if (dataset.images !== undefined) {
      const images = dataset.images as Partial<InMemoryImageSource & ReferencedImageSource>;
      if (images.refs !== undefined) imageRefs = images.refs;
      else if (images.pixels !== undefined) pixels = images.pixels.map((p) => (options.transfer ? p : p.slice()));
      else throw new Error("TrainerWorker.train: image datasets must be in memory (inMemoryImages) or by reference (referencedImages)");
    }
    const msg: TToWorker = {
      type: "train",
      jobId,
      config,
      dataset: {
        n: dataset.n,
        obsDim: dataset.obsDim,
        actDim: dataset.actDim,
        observations,
        actions,
        ...(pixels === undefined ? {} : { pixels }),
        ...(imageRefs === undefined ? {} : { imageRefs }),
      },
      ...(options.warmStart === undefined ? {} : { warmStart: options.warmStart }),
    };
    // References are small (hashes, env states): copied, so the caller's source stays usable.
    const transfer = [observations.buffer as ArrayBuffer, actions.buffer as ArrayBuffer, ...(pixels ?? []).map((p) => p.buffer as ArrayBuffer)];
    if (!this.exited) this.worker.postMessage(msg, [...new Set(transfer)]);
    return { jobId, result, cancel: this.canceller(jobId, options.signal) };
  }

  /**
   * REINFORCE fine-tuning of `blob` in the built-in env `envId` (trainer/rl/reinforce.ts), in the
   * worker: one `rl-progress` event per iteration; `options.maxTrainMs` is the time limit (the last
   * iteration's weights are kept), `cancel()` or the signal stop it.
   */
  reinforce(blob: Uint8Array, envId: string, options: TReinforceOptionsInput = {}, hooks: ReinforceJobOptions = {}): ReinforceJob {
    const jobId = randomUUID();
    const result = new Promise<TReinforceResult>((resolve, reject) => {
      if (this.exited) {
        reject(new Error("trainer worker has exited"));
        return;
      }
      this.jobs.set(jobId, { kind: "reinforce", resolve, reject, ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}) });
    });
    const msg: TToWorker = { type: "reinforce", jobId, blob: blob.slice(), envId, options };
    if (!this.exited) this.worker.postMessage(msg);
    return { jobId, result, cancel: this.canceller(jobId, hooks.signal) };
  }

  /** A job's `cancel()`, also called when `signal` aborts (at once if it already has). */
  private canceller(jobId: string, signal: AbortSignal | undefined): () => void {
    const cancel = (): void => {
      const job = this.jobs.get(jobId);
      if (!job) return;
      // Rule 4 (nothing more for a cancelled job) holds from this call on, not from when the worker hears of it.
      job.cancelled = true;
      if (!this.exited) this.worker.postMessage({ type: "cancel", jobId } satisfies TToWorker);
    };
    if (signal !== undefined) {
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
    }
    return cancel;
  }

  /** Stops the worker (a running job is rejected). */
  async terminate(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
  }

  private handle(msg: TFromWorker, resolveReady: (b: BackendInfo) => void, rejectReady: (e: Error) => void): void {
    switch (msg.type) {
      case "ready":
        resolveReady(msg.backend);
        return;
      case "log":
        this.log(msg.message);
        return;
      case "progress": {
        const job = this.jobs.get(msg.jobId);
        if (job?.kind === "train" && !job.cancelled) job.onProgress?.(msg.progress);
        return;
      }
      case "rl-progress": {
        const job = this.jobs.get(msg.jobId);
        if (job?.kind === "reinforce" && !job.cancelled) job.onProgress?.(msg.progress);
        return;
      }
      case "result": {
        const job = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        if (job?.kind === "train") job.resolve(msg.result);
        else job?.reject(new Error("the worker answered a REINFORCE job with a training result"));
        return;
      }
      case "rl-result": {
        const job = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        if (job?.kind === "reinforce") job.resolve(msg.result);
        else job?.reject(new Error("the worker answered a training job with a REINFORCE result"));
        return;
      }
      case "cancelled": {
        const job = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        job?.reject(new TrainingCancelledError(msg.epochsRun));
        return;
      }
      case "error": {
        const err = new Error(msg.message);
        if (msg.stack !== undefined) err.stack = msg.stack;
        if (msg.jobId === null) {
          rejectReady(err);
          this.log(`[trainer] worker error: ${msg.message}`);
          return;
        }
        const job = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        job?.reject(err);
        return;
      }
    }
  }

  private failAll(err: Error): void {
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
  }

  private log(message: string): void {
    (this.options.onLog ?? ((m: string) => console.error(m)))(message);
  }
}
