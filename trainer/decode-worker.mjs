/**
 * A PNG decoder thread of the training worker's pool (./decode-pool.ts): decodes each PNG it is sent with
 * fast-png and sends the pixels back, their buffer transferred. Plain JavaScript so that a thread starts
 * without a TypeScript loader (≈ the cost of loading fast-png). Messages: contracts/decode-protocol.ts.
 */
import { parentPort } from "node:worker_threads";
import { decode } from "fast-png";

const port = parentPort;
if (!port) throw new Error("decode-worker must run in a worker thread (trainer/decode-pool.ts)");

port.on("message", (/** @type {import("../contracts/decode-protocol").DecodeRequest} */ req) => {
  /** @type {import("../contracts/decode-protocol").DecodeReply} */
  let reply;
  /** @type {ArrayBuffer[]} */
  let transfer = [];
  try {
    const png = decode(req.bytes);
    const data = png.data instanceof Uint8Array || png.data instanceof Uint16Array ? png.data : Uint8Array.from(png.data);
    reply = { id: req.id, ok: true, data, depth: png.depth, channels: png.channels };
    // fast-png's output owns its buffer unless it is a view into a larger one: transfer only then.
    if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) transfer = [/** @type {ArrayBuffer} */ (data.buffer)];
  } catch (err) {
    reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, transfer);
});
