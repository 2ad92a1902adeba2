/**
 * Worker thread of the LeRobot export (export-dataset-lerobot.ts): receives sample pages, appends each to
 * the data file (lerobot-data-writer.mjs), acknowledges it; on `finish` closes the files and answers the
 * summary. Any error is answered (`{type: "error"}`); the export then ends the worker. Messages:
 * contracts/dataset-writer-protocol.ts (the export parses these replies with its `ZWriterReply`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { LeRobotDataWriter } from "./lerobot-data-writer.mjs";

const port = parentPort;
if (!port) throw new Error("lerobot-writer-worker must run in a worker thread");
/** @typedef {import("../../contracts/dataset-writer-protocol").WriterRequest} WriterRequest */
/** @typedef {import("../../contracts/dataset-writer-protocol").WriterReply} WriterReply */
/** @param {WriterReply} message */
const reply = (message) => port.postMessage(message);
/** @returns {WriterReply} */
const errorReply = (/** @type {unknown} */ err) => ({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });

try {
  const writer = new LeRobotDataWriter(/** @type {import("../../contracts/dataset-writer-protocol").DataWriterOptions} */ (workerData));
  port.on("message", (/** @type {WriterRequest} */ req) => {
    try {
      if (req.type === "page") {
        writer.writePage(req.page);
        reply({ type: "ack" });
      } else {
        reply({ type: "done", summary: writer.finish() });
      }
    } catch (err) {
      reply(errorReply(err));
    }
  });
  reply({ type: "ready" });
} catch (err) {
  reply(errorReply(err));
}
