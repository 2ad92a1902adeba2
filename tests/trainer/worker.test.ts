/**
 * The real worker thread (trainer/worker): it reports its backend, streams progress per epoch,
 * returns a loadable blob, can be cancelled, validates messages (protocol rules 1–5 in
 * contracts/trainer-protocol.ts), and keeps the caller's event loop free while it trains.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrainingCancelledError } from "../../trainer/errors";
import { Policy } from "../../trainer/policy/policy";
import { ZFromWorker, type TTrainProgress } from "../../contracts/trainer-protocol";
import type { ReinforceProgress } from "../../contracts/trainer-protocol";
import { createInitialPolicy } from "../../trainer/rl/reinforce";
import { TrainerWorker } from "../../trainer/worker/client";
import { BOX1, bimodalDataset, halfPlaneDataset } from "./helpers";

let worker: TrainerWorker;
const logs: string[] = [];

beforeAll(async () => {
  worker = TrainerWorker.start({ onLog: (m) => logs.push(m) });
  await worker.ready();
}, 60_000);

afterAll(async () => {
  await worker.terminate();
});

describe("trainer worker", () => {
  it("selects and reports its backend once", async () => {
    const backend = await worker.ready();
    expect(backend.name).toBe("wasm");
    expect(backend.attempts.map((a) => a.backend)).toEqual(["tensorflow-gpu", "webgpu", "tensorflow", "wasm"]);
    expect(logs.some((l) => l.includes("backend: wasm"))).toBe(true);
  });

  it("streams progress for every epoch and returns a loadable policy (rule 1: job id on every message)", async () => {
    const progress: TTrainProgress[] = [];
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const job = worker.train(halfPlaneDataset(1500), { actionSpace: { type: "discrete", n: 2 }, epochs: 8, patience: 100 }, {
      onProgress: (p) => progress.push(p),
    });
    const result = await job.result;
    clearInterval(timer);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every((p) => p.epochs === 8 && p.samplesPerSec > 0 && p.valLoss !== null)).toBe(true);
    expect(result.epochsRun).toBe(8);
    expect(result.backend.name).toBe("wasm");
    expect(result.lossCurve).toHaveLength(8);
    const policy = Policy.fromBlob(result.blob);
    expect(policy.act([0.7, 0.6]).action).toBe(1);
    // Training happened off this thread: our timer kept firing.
    expect(ticks.length).toBeGreaterThan(10);
  });

  it("is cancelled mid-training (rule 4: nothing more for that job) and then takes the next job", async () => {
    let seen = 0;
    const job = worker.train(bimodalDataset(3000), { actionSpace: BOX1, head: { kind: "mog", components: 3 }, epochs: 10_000, patience: 10_000 }, {
      onProgress: (p) => {
        seen = p.epoch;
        if (p.epoch === 2) job.cancel();
      },
    });
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingCancelledError);
    expect((err as TrainingCancelledError).epochsRun).toBeGreaterThanOrEqual(2);
    expect(seen).toBeLessThanOrEqual(3);
    const next = await worker.train(halfPlaneDataset(200), { actionSpace: { type: "discrete", n: 2 }, epochs: 2 }).result;
    expect(next.epochsRun).toBe(2);
  });

  it("cancels through an AbortSignal", async () => {
    const ac = new AbortController();
    const job = worker.train(bimodalDataset(3000), { actionSpace: BOX1, epochs: 10_000, patience: 10_000 }, {
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    await expect(job.result).rejects.toBeInstanceOf(TrainingCancelledError);
  });

  it("answers a second job while busy with an error for that job (rule 2)", async () => {
    const first = worker.train(bimodalDataset(2000), { actionSpace: BOX1, epochs: 10_000, patience: 10_000 });
    const second = worker.train(halfPlaneDataset(100), { actionSpace: { type: "discrete", n: 2 }, epochs: 1 });
    await expect(second.result).rejects.toThrow(/busy/);
    first.cancel();
    await expect(first.result).rejects.toBeInstanceOf(TrainingCancelledError);
  });

  it("rejects invalid requests with an error naming the problem", async () => {
    const ds = halfPlaneDataset(100);
    const job = worker.train(ds, { actionSpace: { type: "discrete", n: 2 }, epochs: -1 });
    await expect(job.result).rejects.toThrow(/invalid message.*epochs/);
    const mismatch = worker.train({ ...ds, n: 99 }, { actionSpace: { type: "discrete", n: 2 } });
    await expect(mismatch.result).rejects.toThrow(/lengths do not match/);
  });

  it("warm-starts from a blob sent along with the job", async () => {
    const cfg = { actionSpace: { type: "discrete", n: 2 }, epochs: 3, seed: 1 } as const;
    const first = await worker.train(halfPlaneDataset(500), cfg).result;
    const warm = await worker.train(halfPlaneDataset(500, 9), cfg, { warmStart: first.blob }).result;
    expect(warm.warmStarted).toBe(true);
    expect(warm.lossCurve[0]!.loss).toBeLessThan(first.lossCurve[0]!.loss);
  });

  it("runs REINFORCE in the worker: an event per iteration, a loadable policy, the time limit, and no tensors left behind", async () => {
    const blob = await createInitialPolicy("CartPole-v1", { seed: 2 });
    const events: ReinforceProgress[] = [];
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const r = await worker.reinforce(blob, "CartPole-v1", { iterations: 4, episodesPerIteration: 4, learningRate: 1e-2, evalEpisodes: 2, seed: 2 }, { onProgress: (p) => events.push(p) }).result;
    clearInterval(timer);
    expect(events.map((e) => e.iteration)).toEqual([1, 2, 3, 4]);
    expect(r.iterationsRun).toBe(4);
    expect(r.episodes).toBe(16);
    expect(r.stopReason).toBe("iterations");
    expect(r.backend.name).toBe("wasm");
    expect(r.evaluation?.after.episodes).toBe(2);
    expect(Policy.fromBlob(r.blob).act([0, 0, 0.05, 0]).action).toBeTypeOf("number");
    expect(ticks.length).toBeGreaterThan(3);
    // Same tensor count at the same point of a second job: nothing leaked by the first.
    const again: ReinforceProgress[] = [];
    const limited = await worker.reinforce(blob, "CartPole-v1", { iterations: 1000, episodesPerIteration: 4, evalEpisodes: 0, maxTrainMs: 1 }, { onProgress: (p) => again.push(p) }).result;
    expect(limited.stopReason).toBe("time-budget");
    expect(limited.iterationsRun).toBe(1);
    expect(limited.evaluation).toBeNull();
    expect(again[0]!.numTensors).toBe(events[0]!.numTensors);
  });

  it("cancels a REINFORCE job mid-run (rule 4), then takes the next job", async () => {
    const blob = await createInitialPolicy("CartPole-v1", { seed: 3 });
    let seen = 0;
    const job = worker.reinforce(blob, "CartPole-v1", { iterations: 10_000, episodesPerIteration: 2, evalEpisodes: 0 }, {
      onProgress: (p) => {
        seen = p.iteration;
        if (p.iteration === 2) job.cancel();
      },
    });
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingCancelledError);
    expect((err as TrainingCancelledError).epochsRun).toBeGreaterThanOrEqual(2);
    expect(seen).toBeLessThanOrEqual(3);
    await expect(worker.reinforce(blob, "Pendulum-v1", { iterations: 1 }).result).rejects.toThrow(/spaces do not match Pendulum-v1/);
    const next = await worker.train(halfPlaneDataset(200), { actionSpace: { type: "discrete", n: 2 }, epochs: 2 }).result;
    expect(next.epochsRun).toBe(2);
  });

  it("uses messages that the protocol schema accepts", () => {
    expect(ZFromWorker.safeParse({ type: "cancelled", jobId: "x", epochsRun: 3 }).success).toBe(true);
    expect(ZFromWorker.safeParse({ type: "progress", jobId: "x", progress: { epoch: 0 } }).success).toBe(false);
  });
});
