/**
 * PNG decoding off the training worker's thread: a small pool of `worker_threads` decoders
 * (./decode-worker.mjs) that the image cache's reader (./image-refs.ts) hands each frame's bytes to while a
 * batch trains; the pixels come back as transferred buffers. Which thread decodes a frame changes nothing
 * but the time: results are matched to requests by id, so a run is the same whatever the pool size.
 *
 * The size is `TRAINER_DECODE_THREADS` ({@link decodeThreads}): default min(2, cores − 1), at least 1; 0 decodes
 * inline on the training thread (as before the pool). Threads start on the first decode; `close()` ends every
 * one of them and rejects what is still in flight ({@link DecodePoolClosedError}) — a cancelled training
 * closes its pool at once, so nothing waits on a decode that will never be used. An idle pool does not keep
 * its process alive (its threads are unref'd while nothing is in flight).
 *
 * Node only.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import type { DecodeReply, DecodeRequest } from "../contracts/decode-protocol";

/** `TRAINER_DECODE_THREADS` from `env`; default min(2, cores − 1), at least 1. 0 = decode inline. */
export function decodeThreads(env: Readonly<Record<string, string | undefined>> = process.env, cores: number = os.availableParallelism()): number {
  const raw = env.TRAINER_DECODE_THREADS;
  if (raw === undefined || raw.trim() === "") return Math.max(1, Math.min(2, cores - 1));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`TRAINER_DECODE_THREADS must be a whole number of threads 0..64, got "${raw}"`);
  return n;
}

/** What a decode gives: fast-png's pixels and layout (checked by the caller, which names the frame). */
export interface DecodedPng {
  readonly data: Uint8Array | Uint16Array;
  readonly depth: number;
  readonly channels: number;
}

/** A decode that was in flight (or asked for) when the pool was closed. */
export class DecodePoolClosedError extends Error {
  constructor() {
    super("PNG decoder pool closed");
    this.name = "DecodePoolClosedError";
  }
}

export interface DecodePoolState {
  /** The pool's size, threads running now (started and not yet exited), decodes in flight. */
  readonly size: number;
  readonly live: number;
  readonly pending: number;
}

interface Slot {
  readonly worker: Worker;
  readonly inFlight: Map<number, { resolve: (d: DecodedPng) => void; reject: (e: Error) => void }>;
  exited: boolean;
}

export interface DecodePool {
  /**
   * Decodes one PNG on a pool thread. `owned`: the caller gives `bytes` away (their buffer is transferred,
   * not copied; a file just read); otherwise they are copied (PNG bytes that travelled in the job message
   * and are decoded again next epoch).
   */
  decode(bytes: Uint8Array, owned: boolean): Promise<DecodedPng>;
  state(): DecodePoolState;
  /** Ends every thread (resolves once all have exited) and rejects every decode in flight. Idempotent. */
  close(): Promise<void>;
}

export function startDecodePool(size: number): DecodePool {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`decode pool: size must be ≥ 1, got ${size}`);
  const slots: Slot[] = [];
  let nextId = 0;
  let closed: Promise<void> | null = null;
  /** A thread that died on its own (not closed): every later decode fails with this. */
  let broken: Error | null = null;

  const spawn = (): Slot => {
    const worker = new Worker(new URL("./decode-worker.mjs", import.meta.url), { execArgv: [] });
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map(), exited: false };
    worker.on("message", (reply: DecodeReply) => {
      const job = slot.inFlight.get(reply.id);
      if (job === undefined) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) worker.unref();
      if (reply.ok) job.resolve({ data: reply.data, depth: reply.depth, channels: reply.channels });
      else job.reject(new Error(reply.message));
    });
    const fail = (err: Error): void => {
      if (closed === null) broken ??= err;
      for (const job of slot.inFlight.values()) job.reject(closed === null ? err : new DecodePoolClosedError());
      slot.inFlight.clear();
    };
    worker.on("error", (err) => fail(new Error(`PNG decoder thread failed: ${err.message}`)));
    worker.on("exit", (code) => {
      slot.exited = true;
      fail(new Error(`PNG decoder thread exited (code ${code})`));
    });
    return slot;
  };

  /** The least busy thread; a new one while the pool is not full and every thread is busy. */
  const pick = (): Slot => {
    let best: Slot | undefined;
    for (const s of slots) if (best === undefined || s.inFlight.size < best.inFlight.size) best = s;
    if (best !== undefined && (best.inFlight.size === 0 || slots.length >= size)) return best;
    const slot = spawn();
    slots.push(slot);
    return slot;
  };

  return {
    decode(bytes, owned) {
      if (closed !== null) return Promise.reject(new DecodePoolClosedError());
      if (broken !== null) return Promise.reject(broken);
      const slot = pick();
      const id = nextId++;
      return new Promise<DecodedPng>((resolve, reject) => {
        if (slot.inFlight.size === 0) slot.worker.ref();
        slot.inFlight.set(id, { resolve, reject });
        // Transfer only a buffer the bytes own whole (a Buffer from the pool of small allocations shares one).
        const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
        const req: DecodeRequest = { id, bytes };
        slot.worker.postMessage(req, owned && whole ? [bytes.buffer as ArrayBuffer] : []);
      });
    },
    state: () => ({
      size,
      live: slots.filter((s) => !s.exited).length,
      pending: slots.reduce((a, s) => a + s.inFlight.size, 0),
    }),
    close() {
      closed ??= (async () => {
        for (const s of slots) {
          for (const job of s.inFlight.values()) job.reject(new DecodePoolClosedError());
          s.inFlight.clear();
        }
        await Promise.all(
          slots.map(async (s) => {
            if (!s.exited) await s.worker.terminate();
            s.exited = true;
          }),
        );
      })();
      return closed;
    },
  };
}
